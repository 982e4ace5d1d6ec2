/**
 * Median of a sliding window, O(log n) per insert/remove: two heaps (a max-heap of the lower half,
 * a min-heap of the upper half) with lazy deletion (a removed value is remembered and dropped when
 * it reaches a heap top). Values are compared as numbers; equal values are interchangeable.
 *
 * Deleted values deep inside a heap only leave when they surface (a trending window leaves its old
 * values at the bottom of a heap for ever), so when the heaps hold more than 2 × live + 64 values
 * they are compacted: every held value is collected, the deleted ones are struck out by count
 * (equal values being interchangeable, which copy goes does not matter) and the heaps are rebuilt.
 * That costs O(n log n) once per ≥ n removals: amortized O(log n).
 */

/** A binary heap of numbers in a growable Float64Array; `sign` 1 = min-heap, −1 = max-heap. */
class NumHeap {
  #a = new Float64Array(64);
  size = 0;
  constructor(private readonly sign: 1 | -1) {}

  top(): number {
    return this.#a[0]!;
  }

  push(x: number): void {
    if (this.size === this.#a.length) {
      const b = new Float64Array(this.#a.length * 2);
      b.set(this.#a);
      this.#a = b;
    }
    const a = this.#a;
    const s = this.sign;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pv = a[parent]!;
      if (s * pv <= s * x) break;
      a[i] = pv;
      i = parent;
    }
    a[i] = x;
  }

  pop(): number {
    const a = this.#a;
    const s = this.sign;
    const top = a[0]!;
    const n = --this.size;
    if (n > 0) {
      const x = a[n]!;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && s * a[r]! < s * a[l]!) c = r;
        if (s * a[c]! >= s * x) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = x;
    }
    return top;
  }

  /** The held values (heap order), a view valid until the next push. */
  view(): Float64Array {
    return this.#a.subarray(0, this.size);
  }

  clear(): void {
    this.size = 0;
  }
}

export class RollingMedian {
  readonly #lo = new NumHeap(-1); // lower half, max on top
  readonly #hi = new NumHeap(1); // upper half, min on top
  readonly #delayed = new Map<number, number>();
  #loSize = 0; // live elements in #lo
  #hiSize = 0;

  /** Live values. */
  get size(): number {
    return this.#loSize + this.#hiSize;
  }

  /** The median (mean of the two middle values for an even count); NaN when empty. */
  get median(): number {
    if (this.size === 0) return Number.NaN;
    if (this.#loSize > this.#hiSize) return this.#lo.top();
    return (this.#lo.top() + this.#hi.top()) / 2;
  }

  insert(x: number): void {
    if (this.#loSize === 0 || x <= this.#lo.top()) {
      this.#lo.push(x);
      this.#loSize++;
    } else {
      this.#hi.push(x);
      this.#hiSize++;
    }
    this.#balance();
  }

  /** Removes one occurrence of `x`, which must be a live value. */
  remove(x: number): void {
    this.#delayed.set(x, (this.#delayed.get(x) ?? 0) + 1);
    if (this.#loSize > 0 && x <= this.#lo.top()) {
      this.#loSize--;
      if (x === this.#lo.top()) this.#prune(this.#lo);
    } else {
      this.#hiSize--;
      if (this.#hi.size > 0 && x === this.#hi.top()) this.#prune(this.#hi);
    }
    this.#balance();
    if (this.heldSize > 2 * this.size + 64) this.#compact();
  }

  /** Values held, lazily deleted ones included (at most 2 × size + 64 after any call). */
  get heldSize(): number {
    return this.#lo.size + this.#hi.size;
  }

  /** Replaces the contents with `values` (drops every lazily deleted value). */
  rebuild(values: Iterable<number>): void {
    this.clear();
    for (const v of values) this.insert(v);
  }

  clear(): void {
    this.#lo.clear();
    this.#hi.clear();
    this.#delayed.clear();
    this.#loSize = 0;
    this.#hiSize = 0;
  }

  #compact(): void {
    const held = new Float64Array(this.heldSize);
    held.set(this.#lo.view());
    held.set(this.#hi.view(), this.#lo.size);
    const delayed = this.#delayed;
    const live: number[] = [];
    for (const v of held) {
      const d = delayed.get(v);
      if (d === undefined) live.push(v);
      else if (d === 1) delayed.delete(v);
      else delayed.set(v, d - 1);
    }
    this.rebuild(live);
  }

  #prune(h: NumHeap): void {
    while (h.size > 0) {
      const t = h.top();
      const d = this.#delayed.get(t);
      if (d === undefined) break;
      if (d === 1) this.#delayed.delete(t);
      else this.#delayed.set(t, d - 1);
      h.pop();
    }
  }

  #balance(): void {
    if (this.#loSize > this.#hiSize + 1) {
      this.#hi.push(this.#lo.pop());
      this.#loSize--;
      this.#hiSize++;
      this.#prune(this.#lo);
    } else if (this.#loSize < this.#hiSize) {
      this.#lo.push(this.#hi.pop());
      this.#hiSize--;
      this.#loSize++;
      this.#prune(this.#hi);
    }
  }
}
