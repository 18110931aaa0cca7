import type { FileAccess__Output } from '../../../proto/generated/vigil/v1/FileAccess';
import type { FileCallName, RecordLayout } from '../../../native';
import type { WatchedPath } from '../../../proto/watched-paths';
import type { RecordReader } from './record-reader';

/** The watch-table pattern a record's (generation, entry) names. */
export type PatternLookup = (gen: number, entry: number) => WatchedPath | undefined;

const ACCESS: Record<string, FileAccess__Output['access']> = {
  read: 'ACCESS_READ',
  write: 'ACCESS_WRITE',
  truncate: 'ACCESS_TRUNCATE',
  delete: 'ACCESS_DELETE',
  replace: 'ACCESS_REPLACE',
  link: 'ACCESS_LINK',
};

/** Kernel enum value → proto enum name, from the addon's numbers. */
function byNumber<T extends string>(numbers: Readonly<Record<string, number>>, name: (key: string) => T): Map<number, T> {
  return new Map(Object.entries(numbers).map(([k, n]) => [n, name(k)]));
}

export class FileDecoder {
  private readonly calls: Map<number, FileAccess__Output['call']>;
  private readonly access: Map<number, FileAccess__Output['access']>;
  private readonly resolutions: Map<number, FileAccess__Output['resolution']>;

  constructor(
    private readonly layout: RecordLayout,
    private readonly pattern: PatternLookup,
  ) {
    this.calls = byNumber(layout.fileCalls, (k) => `CALL_${(k as FileCallName).toUpperCase()}` as FileAccess__Output['call']);
    this.access = byNumber(layout.access, (k) => ACCESS[k]);
    this.resolutions = byNumber(layout.resolutions, (k) =>
      k === 'asGiven' ? 'RESOLUTION_AS_GIVEN' : k === 'file' ? 'RESOLUTION_FILE' : 'RESOLUTION_LEXICAL',
    );
  }

  decode(r: RecordReader): FileAccess__Output {
    const f = this.layout.file;
    const len = this.layout.limits.path;
    // A pattern no longer known (replaced twice while the record was in
    // flight) leaves watched and category empty rather than guessed.
    const p = this.pattern(r.u8(f.gen, 'file.gen'), r.u16(f.entry, 'file.entry'));
    return {
      call: this.calls.get(r.u16(f.call, 'file.call')) ?? 'CALL_UNSPECIFIED',
      access: this.access.get(r.u8(f.access, 'file.access')) ?? 'ACCESS_UNSPECIFIED',
      path: r.cstr(f.path, len, 'file.path'),
      watched: p?.path ?? '',
      category: p?.category ?? '',
      result: r.s32(f.result, 'file.result'),
      flags: r.u32(f.flags, 'file.flags'),
      name: r.cstr(f.name, len, 'file.name'),
      other_name: r.cstr(f.other, len, 'file.other'),
      dirfd: r.s32(f.dirfd, 'file.dirfd'),
      resolution: this.resolutions.get(r.u8(f.resolution, 'file.resolution')) ?? 'RESOLUTION_UNSPECIFIED',
      path_truncated: r.u8(f.truncated, 'file.truncated') !== 0,
    };
  }
}
