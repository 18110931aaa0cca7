import * as path from 'node:path';

/** A file under test/fixtures, from the compiled tests in dist/test. */
export function fixturePath(...parts: string[]): string {
  return path.resolve(__dirname, '..', '..', '..', 'test', 'fixtures', ...parts);
}
