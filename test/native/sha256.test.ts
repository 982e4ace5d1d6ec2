import { createHash } from 'node:crypto';

import { afterAll, describe, expect, it } from 'vitest';

import { native, sha256, TickwireError } from '../../src/index.js';
import { Rng } from '../helpers/random.js';

const NIST: Array<[string, string | Buffer]> = [
  ['e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', ''],
  ['ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', 'abc'],
  ['248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1', 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'],
  [
    'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
    'abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu',
  ],
  ['cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0', Buffer.alloc(1_000_000, 'a')],
];

// The same suite on the SHA-NI path (where the CPU has it) and on the portable path.
for (const portable of [false, true]) {
  describe(`sha256 (${portable ? 'portable' : 'best available'} implementation)`, () => {
    it('selects the implementation', () => {
      native.forcePortable(portable);
      const impl = native.info().impls.sha256;
      if (portable) expect(impl).toBe('portable');
      else expect(impl).toBe(native.info().detected.sha ? 'shani' : 'portable');
    });

    it.each(NIST)('NIST vector %s', (hex, input) => {
      native.forcePortable(portable);
      expect(sha256(input).toString('hex')).toBe(hex);
    });

    it('matches node:crypto on 3000 random inputs of 0..4 KiB, at any byte offset', () => {
      native.forcePortable(portable);
      const rng = new Rng(portable ? 1n : 2n);
      for (let n = 0; n < 3000; n++) {
        const len = n < 300 ? n : rng.int(4097);
        const start = rng.int(8);
        const data = rng.bytes(len + start).subarray(start);
        expect(sha256(data).equals(createHash('sha256').update(data).digest())).toBe(true);
      }
    });
  });
}

describe('sha256 inputs', () => {
  afterAll(() => native.forcePortable(false));

  it('hashes strings as UTF-8', () => {
    const s = 'κόσμε ✓ 🚀 plain';
    expect(sha256(s).toString('hex')).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
  });

  it('hashes long strings (larger than the native scratch buffer)', () => {
    const s = 'é'.repeat(50_000);
    expect(sha256(s).toString('hex')).toBe(createHash('sha256').update(s, 'utf8').digest('hex'));
  });

  it('hashes the bytes of any TypedArray or DataView view', () => {
    const base = new Rng(3n).bytes(1024);
    const u32 = new Uint32Array(base.buffer, base.byteOffset + 8, 100);
    const dv = new DataView(base.buffer, base.byteOffset + 3, 500);
    expect(sha256(u32).equals(createHash('sha256').update(u32).digest())).toBe(true);
    expect(sha256(dv).equals(createHash('sha256').update(Buffer.from(dv.buffer, dv.byteOffset, dv.byteLength)).digest())).toBe(true);
  });

  it('rejects non-byte input with a typed error', () => {
    for (const bad of [42, null, undefined, {}, [1, 2, 3]]) {
      expect(() => sha256(bad as unknown as string)).toThrowError(TickwireError);
      try {
        sha256(bad as unknown as string);
      } catch (e) {
        expect((e as TickwireError).code).toBe('INVALID_ARGUMENT');
      }
    }
  });
});
