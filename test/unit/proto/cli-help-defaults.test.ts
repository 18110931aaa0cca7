import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { VIGIL } from '../../helpers/vigil-cli';

function vigil(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [VIGIL, ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** The entries of one section of a help text ("Options:", "Commands:"), each with its wrapped lines joined. */
function section(help: string, title: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf(title);
  if (start < 0) return [];
  const entries: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith(' ')) break;
    if (/^ {2}\S/.test(line)) entries.push(line.trim());
    else entries[entries.length - 1] += ` ${line.trim()}`;
  }
  return entries;
}

const helps = new Map<string, string>();
function help(path: string[]): string {
  const key = path.join(' ');
  if (!helps.has(key)) helps.set(key, vigil([...path, '--help']).out);
  return helps.get(key)!;
}

/** Every command path, subcommands included: ['up'], ['token', 'create']... */
function commandPaths(prefix: string[] = []): string[][] {
  const names = section(help(prefix), 'Commands:')
    .map((e) => e.split(/\s/, 1)[0])
    .filter((n) => n !== 'help');
  return names.flatMap((n) => [[...prefix, n], ...commandPaths([...prefix, n])]);
}

describe('help shows every default as the flag takes it', () => {
  const paths = commandPaths();

  test('the walk found the commands', () => {
    for (const name of ['up', 'sensor', 'trace', 'simulate', 'events']) assert.ok(paths.some((p) => p.length === 1 && p[0] === name), `vigil ${name}`);
  });

  test('each "(default: X)" of a flag that takes a value is accepted back as that flag\'s value', () => {
    let checked = 0;
    const refused: string[] = [];
    for (const p of paths) {
      for (const entry of section(help(p), 'Options:')) {
        const m = /^(?:-\w, )?(--[\w-]+) <[^>]+>.*\(default: (.+?)\)$/.exec(entry);
        // Lists, quoted text and defaults described in words ("the host name", "<data-dir>/sensor") are not values to type.
        if (!m || /^[["]|[\s<]/.test(m[2])) continue;
        const r = vigil([...p, m[1], m[2], '--help']);
        checked++;
        if (r.status !== 0) refused.push(`vigil ${p.join(' ')} ${m[1]} ${m[2]}: ${r.out.split('\n')[0]}`);
      }
    }
    assert.deepEqual(refused, []);
    assert.ok(checked >= 6, `only ${checked} defaults found`);
  });

  test('no flag shows an empty list as its default', () => {
    const empty = paths.flatMap((p) => section(help(p), 'Options:').filter((e) => e.includes('(default: [])')).map((e) => `vigil ${p.join(' ')}: ${e}`));
    assert.deepEqual(empty, []);
  });
});
