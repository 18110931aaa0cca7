/**
 * The loaded threat-intelligence feeds, as one table the rules look up.
 * Feeds come from the rules file and from the intel directory (any file
 * dropped there is a feed named after it). Each is re-read when its file
 * changes, or on demand (SIGHUP); a feed that cannot be read, or reads as
 * garbage or as nothing at all (a download cut short), keeps its previous
 * contents and says why, once per change.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FeedSpec } from '../config/rules-file';
import { parseFeed, type FeedEntry, type ParsedFeed } from './feed-parser';
import { IpPrefixTable } from './ip-prefix-table';

export interface IntelMatch {
  /** The feed that listed the address (the first, when several did). */
  feed: string;
  /** The entry that matched, as the feed wrote it (an address or a CIDR). */
  entry: string;
  label?: string;
  /** Every feed that lists this entry. */
  feeds: string[];
}

/** What rules see of the feeds. */
export interface IntelLookup {
  lookup(address: string): IntelMatch | undefined;
}

interface Loaded {
  name: string;
  file: string;
  /** Identity of the file version that was read: device, inode, size, mtime. */
  version: string;
  entries: FeedEntry[];
}

interface Tagged {
  feed: string;
  entry: FeedEntry;
}

export interface FeedStatus {
  name: string;
  file: string;
  entries: number;
}

function fileVersion(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return st.isFile() ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}` : undefined;
  } catch {
    return undefined;
  }
}

/** Why a parse result must not replace what was loaded, or undefined when it may. */
function brokenBecause(text: string, parsed: ParsedFeed): string | undefined {
  if (text.trim() === '') return 'it is empty (a download cut short?)';
  if (parsed.malformed > parsed.entries.length + parsed.skipped) return `${parsed.malformed} of its lines are not addresses (first at line ${parsed.firstMalformedLine})`;
  return undefined;
}

export class ThreatIntel implements IntelLookup {
  private specs: FeedSpec[] = [];
  private readonly loaded = new Map<string, Loaded>();
  /** Versions already judged broken, so a bad file is reported once, not at every check. */
  private readonly reportedBroken = new Map<string, string>();
  private table = new IpPrefixTable<Tagged>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Every file in these directories is a feed. */
    private readonly dirs: readonly string[],
    private readonly log: (line: string) => void,
  ) {}

  /** Sets the feeds the rules file names and loads whatever changed. */
  configure(specs: readonly FeedSpec[]): void {
    this.specs = [...specs];
    this.refresh();
  }

  private sources(): { name: string; file: string; format: FeedSpec['format'] }[] {
    const out = this.specs.map((s) => ({ name: s.name ?? path.basename(s.path), file: path.resolve(s.path), format: s.format }));
    for (const dir of this.dirs) {
      let names: string[];
      try {
        names = fs.readdirSync(dir);
      } catch {
        continue; // not created yet
      }
      // Editors and downloaders leave these while writing.
      for (const n of names.sort()) if (!n.startsWith('.') && !n.endsWith('~') && !n.endsWith('.tmp')) out.push({ name: n, file: path.join(dir, n), format: 'auto' });
    }
    return out;
  }

  /** Re-reads feeds whose files changed (all of them with `force`); rebuilds the table when any did. */
  refresh(force = false): void {
    let changed = false;
    const wanted = this.sources();
    const names = new Set(wanted.map((w) => w.name));
    for (const name of this.loaded.keys())
      if (!names.has(name)) {
        this.loaded.delete(name);
        changed = true;
      }
    for (const src of wanted) {
      const version = fileVersion(src.file);
      const current = this.loaded.get(src.name);
      if (version === undefined) {
        if (this.reportedBroken.get(src.name) !== 'missing') this.log(`threat intel: feed ${src.name}: cannot read ${src.file}${current ? '; keeping the entries loaded before' : ''}`);
        this.reportedBroken.set(src.name, 'missing');
        continue;
      }
      if (!force && (current?.version === version || this.reportedBroken.get(src.name) === version)) continue;
      const next = this.read(src, version);
      if (next) {
        this.loaded.set(src.name, next);
        this.reportedBroken.delete(src.name);
        changed = true;
      } else {
        this.reportedBroken.set(src.name, version);
      }
    }
    if (changed) this.rebuild();
  }

  private read(src: { name: string; file: string; format: FeedSpec['format'] }, version: string): Loaded | undefined {
    let text: string;
    try {
      text = fs.readFileSync(src.file, 'utf8');
    } catch (err) {
      this.log(`threat intel: feed ${src.name}: read ${src.file}: ${(err as Error).message}${this.loaded.has(src.name) ? '; keeping the entries loaded before' : ''}`);
      return undefined;
    }
    const parsed = parseFeed(text, src.format);
    const broken = brokenBecause(text, parsed);
    if (broken) {
      this.log(`threat intel: feed ${src.name} (${src.file}) not loaded: ${broken}${this.loaded.has(src.name) ? '; keeping the entries loaded before' : ''}`);
      return undefined;
    }
    if (parsed.skipped) this.log(`threat intel: feed ${src.name}: skipped ${parsed.skipped} entries in private, reserved or special ranges or too broad to name a network (first: ${parsed.firstSkipped})`);
    if (parsed.malformed) this.log(`threat intel: feed ${src.name}: skipped ${parsed.malformed} lines that are not addresses (first at line ${parsed.firstMalformedLine})`);
    if (parsed.zeroPadded) this.log(`threat intel: feed ${src.name}: read ${parsed.zeroPadded} addresses with zero-padded octets as decimal, 010 as 10 (first at line ${parsed.firstZeroPaddedLine})`);
    this.log(`threat intel: feed ${src.name} loaded: ${parsed.entries.length} entries (${parsed.format} format) from ${src.file}`);
    return { name: src.name, file: src.file, version, entries: parsed.entries };
  }

  private rebuild(): void {
    const table = new IpPrefixTable<Tagged>();
    for (const feed of this.loaded.values()) for (const entry of feed.entries) table.add(entry.address, entry.prefix, { feed: feed.name, entry });
    this.table = table;
  }

  lookup(address: string): IntelMatch | undefined {
    const hit = this.table.lookup(address);
    if (!hit) return undefined;
    const [first] = hit.values;
    return { feed: first.feed, entry: first.entry.text, label: first.entry.label, feeds: [...new Set(hit.values.map((v) => v.feed))] };
  }

  get entries(): number {
    return this.table.size;
  }

  status(): FeedStatus[] {
    return [...this.loaded.values()].map((f) => ({ name: f.name, file: f.file, entries: f.entries.length }));
  }

  /** Checks the feed files for changes every `intervalMs`. */
  watch(intervalMs = 2000): void {
    this.timer = setInterval(() => this.refresh(), intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }
}
