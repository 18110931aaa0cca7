/** Reading a file a flag or a config key names, with an error that says which, and why it could not be read. */
import * as fs from 'node:fs';
import { VigilError, type VigilErrorCode } from './errors';

export function readNamedFile(file: string, what: string, code: VigilErrorCode = 'INVALID_ARGUMENT'): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new VigilError(code, `read ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}
