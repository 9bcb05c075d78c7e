/** The middle of values sorted ascending: the mean of the two middle ones for an even count. */
export function middleOfSorted(sorted: ArrayLike<number>): number {
  const m = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
}

/** Median of a small array (copies; inputs stay as they are). */
export function median(values: readonly number[]): number {
  return middleOfSorted([...values].sort((a, b) => a - b));
}
