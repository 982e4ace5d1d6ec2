import { afterAll, describe, expect, it } from 'vitest';

import { mask, MASK_NATIVE_MIN_BYTES, native, TickwireError, unmask } from '../../src/index.js';
import { binding } from '../../src/native/binding.js';
import { Rng } from '../helpers/random.js';

function reference(data: Uint8Array, key: Uint8Array, offset: number): Buffer {
  const out = Buffer.from(data);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) ^ (key[(offset + i) & 3] as number);
  return out;
}

const packKey = (key: Uint8Array, offset: number) =>
  (key[offset & 3] as number) |
  ((key[(offset + 1) & 3] as number) << 8) |
  ((key[(offset + 2) & 3] as number) << 16) |
  ((key[(offset + 3) & 3] as number) << 24);

// Every length 0..300, every alignment 0..63 and key offsets 0..7, through the public function
// (JS path below the threshold, native above) and straight through the native binding, on every
// implementation the CPU offers and on the portable one.
for (const portable of [false, true]) {
  describe(`mask (${portable ? 'portable' : 'best available'} native implementation)`, () => {
    const rng = new Rng(portable ? 21n : 22n);
    const arena = Buffer.alloc(300 + 64 + 64);

    it('uses the implementation asked for', () => {
      native.forcePortable(portable);
      const impl = native.info().impls.mask;
      if (portable) expect(impl).toBe('scalar');
      else expect(['avx512', 'avx2', 'scalar']).toContain(impl);
    });

    it('matches a reference loop for every length 0..300 × alignment 0..63 × offset 0..7, and touches nothing else', () => {
      native.forcePortable(portable);
      let checked = 0;
      for (let len = 0; len <= 300; len++) {
        for (let align = 0; align < 64; align++) {
          const offset = (len + align) & 7;
          const key = rng.bytes(4);
          arena.fill(0xa5);
          const view = arena.subarray(align, align + len);
          const data = rng.bytes(len);
          view.set(data);
          const expected = reference(data, key, offset);
          for (const via of ['public', 'native'] as const) {
            view.set(data);
            if (via === 'public') mask(view, key, offset);
            else binding.mask(view, packKey(key, offset));
            if (!view.equals(expected)) throw new Error(`${via} len=${len} align=${align} offset=${offset}: wrong bytes`);
            if (!arena.subarray(0, align).every((b) => b === 0xa5) || !arena.subarray(align + len).every((b) => b === 0xa5)) {
              throw new Error(`${via} len=${len} align=${align}: wrote outside the view`);
            }
            checked++;
          }
        }
      }
      expect(checked).toBe(301 * 64 * 2);
    });

    it('unmask inverts mask, and masking in pieces with running offsets equals masking whole', () => {
      native.forcePortable(portable);
      const data = rng.bytes(70_000);
      const key = rng.bytes(4);
      const whole = Buffer.from(data);
      mask(whole, key);
      const pieces = Buffer.from(data);
      for (let pos = 0; pos < pieces.length; ) {
        const n = Math.min(1 + rng.int(3000), pieces.length - pos);
        mask(pieces.subarray(pos, pos + n), key, pos);
        pos += n;
      }
      expect(pieces.equals(whole)).toBe(true);
      unmask(whole, key);
      expect(whole.equals(data)).toBe(true);
    });
  });
}

describe('mask inputs', () => {
  afterAll(() => native.forcePortable(false));

  it('takes the JS path below the threshold and native from it on, with the same results', () => {
    expect(MASK_NATIVE_MIN_BYTES).toBeGreaterThan(0);
    const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d);
    for (const len of [MASK_NATIVE_MIN_BYTES - 1, MASK_NATIVE_MIN_BYTES]) {
      const data = new Rng(5n).bytes(len);
      const b = Buffer.from(data);
      mask(b, key, 3);
      expect(b.equals(reference(data, key, 3))).toBe(true);
    }
  });

  it('RFC 6455 §5.7: "Hello" masked with 37 fa 21 3d', () => {
    const b = Buffer.from('Hello');
    mask(b, Uint8Array.of(0x37, 0xfa, 0x21, 0x3d));
    expect(b.toString('hex')).toBe('7f9f4d5158');
  });

  it('masks the bytes of other TypedArrays and DataViews in place', () => {
    const key = Uint8Array.of(1, 2, 3, 4);
    const base = new Rng(6n).bytes(400);
    const copy = Buffer.from(base);
    const u32 = new Uint32Array(base.buffer, base.byteOffset + 4, 50);
    mask(u32, key);
    expect(Buffer.from(base.buffer, base.byteOffset + 4, 200).equals(reference(copy.subarray(4, 204), key, 0))).toBe(true);
    const dv = new DataView(base.buffer, base.byteOffset + 250, 10);
    const before = Buffer.from(base.subarray(250, 260));
    mask(dv, key, 1);
    expect(base.subarray(250, 260).equals(reference(before, key, 1))).toBe(true);
  });

  it('rejects bad arguments with INVALID_ARGUMENT and leaves the buffer alone', () => {
    const b = Buffer.alloc(64, 7);
    const bad: Array<[unknown, unknown, unknown]> = [
      ['not a buffer', Uint8Array.of(1, 2, 3, 4), 0],
      [b, Uint8Array.of(1, 2, 3), 0],
      [b, [1, 2, 3, 4], 0],
      [b, Uint8Array.of(1, 2, 3, 4), -1],
      [b, Uint8Array.of(1, 2, 3, 4), 0.5],
    ];
    for (const [buf, key, offset] of bad) {
      try {
        mask(buf as Buffer, key as Uint8Array, offset as number);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TickwireError);
        expect((e as TickwireError).code).toBe('INVALID_ARGUMENT');
      }
    }
    expect(b.every((x) => x === 7)).toBe(true);
  });

  it('the native binding throws a TypeError instead of crashing on a non-buffer', () => {
    expect(() => binding.mask('nope' as unknown as Buffer, 0)).toThrowError(TypeError);
    expect(() => binding.mask({} as unknown as Buffer, 0)).toThrowError(TypeError);
  });
});
