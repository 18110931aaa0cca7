/** Option values only the control plane's commands take; the shared ones are in proto/cli-values.ts. */
import { InvalidArgumentError } from 'commander';

/** The name a reader's or audit sender's credential is issued under. */
export function parseCredentialLabel(value: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a name: letters, digits, '.', '_', '@' and '-', up to 100 characters`);
  return value;
}
