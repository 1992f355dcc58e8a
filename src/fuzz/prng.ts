// Tiny seeded PRNG (mulberry32) for reproducible fuzzing; no dependency.
export class Prng {
  private s: number;
  constructor(seed: number) { this.s = seed >>> 0; }
  /** Uniform u32. */
  u32(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Uniform float in [0, 1). */
  float(): number { return this.u32() / 4294967296; }
  /** Integer in [0, n). */
  int(n: number): number { return n <= 0 ? 0 : Math.floor(this.float() * n); }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number { return lo + this.int(hi - lo + 1); }
  chance(p: number): boolean { return this.float() < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
}

/** Seed for input `i` of a run: every input can be regenerated on its own. */
export const inputSeed = (seed: number, i: number): number =>
  (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(i + 1, 0x85ebca6b)) >>> 0;
