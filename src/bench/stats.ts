// Figures as the benchmarks report them: every round's value, the median and the range.
export interface Figure {
  /** What was measured, e.g. 'decode MB/s'. */
  name: string;
  unit: string;
  values: number[];
  median: number;
  min: number;
  max: number;
}

export function figure(name: string, unit: string, values: number[]): Figure {
  // A round that produced no value (NaN) is kept in `values` but left out of median and range.
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  return { name, unit, values, median, min: sorted[0] ?? NaN, max: sorted[n - 1] ?? NaN };
}

/** A ratio of two sides measured in the same rounds: per-round ratios, so drift cancels. */
export function ratio(name: string, a: number[], b: number[]): Figure {
  return figure(name, 'x', a.map((v, i) => v / b[i]));
}

/**
 * Runs the sides A B A B ... for `rounds` rounds and returns each side's per-round results.
 */
export async function interleaved<T>(rounds: number, sides: readonly (() => Promise<T> | T)[], onRound?: (r: number) => void): Promise<T[][]> {
  const out: T[][] = sides.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < sides.length; i++) out[i].push(await sides[i]());
    onRound?.(r);
  }
  return out;
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 100 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : a === 0 ? '0' : v.toPrecision(3);
}

/** `median (min–max)` */
export function cell(f: Figure): string {
  return f.values.length > 1 ? `${fmt(f.median)} (${fmt(f.min)}–${fmt(f.max)})` : fmt(f.median);
}
