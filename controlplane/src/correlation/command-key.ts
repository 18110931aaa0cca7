/**
 * A command (executable and arguments) as one string, for maps keyed by
 * command. NUL joins the parts: no path or argument a kernel passed holds
 * one, so only a forged event's command can share another's key. The
 * registry and the rules both key the same exec by it: the last key is kept
 * for the same argv array, so it is built, and its hash computed, once.
 */
let lastFilename: string | undefined;
let lastArgv: readonly string[] | undefined;
let lastKey = '';

export function commandKey(filename: string, argv: readonly string[]): string {
  if (argv !== lastArgv || filename !== lastFilename) {
    lastFilename = filename;
    lastArgv = argv;
    lastKey = `${filename}\0${argv.join('\0')}`;
  }
  return lastKey;
}
