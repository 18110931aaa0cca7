/** Compiles a C program from test/fixtures once per test process. */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { fixturePath } from './fixture-path';
import { tempDir } from './temp-dir';

const built = new Map<string, string>();

export function cFixture(name: string, extraFlags: string[] = []): string {
  const cached = built.get(name);
  if (cached) return cached;
  const src = fixturePath(`${name}.c`);
  const out = path.join(tempDir('vigil-fixture-'), name);
  execFileSync('cc', ['-O2', '-Wall', '-o', out, src, ...extraFlags]);
  built.set(name, out);
  return out;
}
