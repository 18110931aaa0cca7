/** "1 feed", "2 feeds": a number with its noun, for what commands print. */
export function count(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
