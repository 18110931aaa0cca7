/** Nanosecond strings (proto uint64) to the microsecond integers the store indexes. */
export function nsToUs(ns: string): number {
  return ns.length > 3 ? Number(ns.slice(0, -3)) : 0;
}

export function nowUs(): number {
  return Date.now() * 1000;
}
