/** A table cell: the text padded to the column, or cut with a marker, so a cut name never reads as another, whole one. */
export function column(text: string, width: number): string {
  return text.length <= width ? text.padEnd(width) : `${text.slice(0, width - 1)}…`;
}
