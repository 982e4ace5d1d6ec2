/** Deterministic pseudo-random bytes for tests (xorshift64*), so failures reproduce. */
export class Rng {
  #s: bigint;
  constructor(seed = 0x9e3779b97f4a7c15n) {
    this.#s = seed;
  }
  next(): number {
    let x = this.#s;
    x ^= x >> 12n;
    x ^= (x << 25n) & 0xffffffffffffffffn;
    x ^= x >> 27n;
    this.#s = x;
    return Number(((x * 0x2545f4914f6cdd1dn) >> 32n) & 0xffffffffn);
  }
  int(maxExclusive: number): number {
    return this.next() % maxExclusive;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

/** A seeded float generator in [0, 1) (mulberry32), for randomized tests that must reproduce. */
export function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random order values the way a strategy produces them: arithmetic on doubles, not clean decimals. */
export function randomValue(rng: () => number, decimals: number): number {
  switch (Math.floor(rng() * 4)) {
    case 0:
      return Math.floor(rng() * 10 ** Math.min(decimals + 5, 15)) / 10 ** decimals; // on the grid
    case 1:
      return rng() * 10 ** Math.floor(rng() * 6); // off the grid
    case 2:
      return 0.1 * Math.floor(rng() * 100) + 0.2; // classic float surprises
    default:
      return (Math.floor(rng() * 2000) + 0.5) / 10 ** decimals; // exact ties
  }
}
