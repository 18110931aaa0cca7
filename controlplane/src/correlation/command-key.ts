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

/**
 * Keys of the commands whose argv decoding shared (proto/repeat-decode.ts:
 * frozen, the same array for every event carrying those bytes), by that
 * array: a command that repeats reuses its key, whose hash is computed once.
 */
const sharedKeys = new WeakMap<readonly string[], { filename: string; key: string }>();

export function commandKey(filename: string, argv: readonly string[]): string {
  if (argv === lastArgv && filename === lastFilename) return lastKey;
  lastFilename = filename;
  lastArgv = argv;
  if (!Object.isFrozen(argv)) return (lastKey = `${filename}\0${argv.join('\0')}`);
  const known = sharedKeys.get(argv);
  if (known?.filename === filename) return (lastKey = known.key);
  lastKey = `${filename}\0${argv.join('\0')}`;
  sharedKeys.set(argv, { filename, key: lastKey });
  return lastKey;
}
