import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';

import { afterAll, describe, expect, it } from 'vitest';

import { HmacSigner, native, TickwireError } from '../../src/index.js';
import { Rng } from '../helpers/random.js';

const h = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');

// RFC 4231 §4.2-4.8 (case 5 is truncated to 128 bits)
const RFC4231: Array<{ name: string; key: Buffer; data: Buffer; mac: string; truncate?: number }> = [
  { name: 'case 1', key: Buffer.alloc(20, 0x0b), data: Buffer.from('Hi There'), mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
  { name: 'case 2', key: Buffer.from('Jefe'), data: Buffer.from('what do ya want for nothing?'), mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' },
  { name: 'case 3', key: Buffer.alloc(20, 0xaa), data: Buffer.alloc(50, 0xdd), mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe' },
  {
    name: 'case 4',
    key: h('0102030405060708090a0b0c0d0e0f10111213141516171819'),
    data: Buffer.alloc(50, 0xcd),
    mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  { name: 'case 5', key: Buffer.alloc(20, 0x0c), data: Buffer.from('Test With Truncation'), mac: 'a3b6167473100ee06e0c796c2955552b', truncate: 16 },
  {
    name: 'case 6',
    key: Buffer.alloc(131, 0xaa),
    data: Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First'),
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    name: 'case 7',
    key: Buffer.alloc(131, 0xaa),
    data: Buffer.from(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

for (const portable of [false, true]) {
  describe(`HmacSigner (${portable ? 'portable' : 'best available'} SHA-256)`, () => {
    it.each(RFC4231)('RFC 4231 $name', ({ key, data, mac, truncate }) => {
      native.forcePortable(portable);
      const signer = new HmacSigner(key);
      const digest = signer.digest(data);
      expect(digest.subarray(0, truncate ?? 32).toString('hex')).toBe(mac);
      if (!truncate) {
        expect(signer.hex(data)).toBe(mac);
        expect(signer.base64(data)).toBe(Buffer.from(mac, 'hex').toString('base64'));
      }
    });

    it('matches node:crypto for 2000 random keys (0..200 bytes, around the 64-byte block) and messages', () => {
      native.forcePortable(portable);
      const rng = new Rng(portable ? 11n : 12n);
      const keyLens = [0, 1, 63, 64, 65, 127, 128, 129, 200];
      for (let n = 0; n < 2000; n++) {
        const key = rng.bytes(n < keyLens.length * 10 ? (keyLens[n % keyLens.length] as number) : rng.int(201));
        const msg = rng.bytes(n < 200 ? n : rng.int(2049));
        const signer = new HmacSigner(key);
        const expected = createHmac('sha256', key).update(msg).digest();
        expect(signer.digest(msg).equals(expected)).toBe(true);
        expect(signer.hex(msg)).toBe(expected.toString('hex'));
        expect(signer.base64(msg)).toBe(expected.toString('base64'));
      }
    });
  });
}

describe('HmacSigner API', () => {
  afterAll(() => native.forcePortable(false));
  const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
  const query = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';

  it("signs Binance's documented example", () => {
    // https://developers.binance.com/docs/binance-spot-api-docs/rest-api/endpoint-security-type (HMAC example)
    expect(new HmacSigner(secret).hex(query)).toBe('c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71');
  });

  it('signInto writes exactly 64 hex characters at the offset and nothing else', () => {
    const signer = new HmacSigner(secret);
    const out = Buffer.alloc(100, 0x2a);
    signer.signInto(query, out, 20);
    expect(out.subarray(20, 84).toString('latin1')).toBe(signer.hex(query));
    expect(out.subarray(0, 20).every((b) => b === 0x2a)).toBe(true);
    expect(out.subarray(84).every((b) => b === 0x2a)).toBe(true);
    signer.signInto(Buffer.from(query), out, 36);
    expect(out.subarray(36, 100).toString('latin1')).toBe(signer.hex(query));
  });

  it('signInto refuses an offset without room, with a typed error, and writes nothing', () => {
    const signer = new HmacSigner(secret);
    const out = Buffer.alloc(80, 0x2a);
    for (const offset of [17, 80, 81, -1, 1.5, Number.NaN]) {
      expect(() => signer.signInto(query, out, offset)).toThrowError(TickwireError);
    }
    expect(out.every((b) => b === 0x2a)).toBe(true);
  });

  it('signs UTF-8 string payloads and keys, including ones larger than the native scratch buffer', () => {
    const key = 'ключ-🔑';
    const signer = new HmacSigner(key);
    for (const payload of ['', 'ü', '{"a":"ß✓"}', 'x€'.repeat(10_000)]) {
      expect(signer.hex(payload)).toBe(createHmac('sha256', key).update(payload, 'utf8').digest('hex'));
    }
  });

  it('never shows key material when inspected or serialized', () => {
    const signer = new HmacSigner('super-secret-key');
    expect(inspect(signer)).not.toContain('super-secret');
    expect(JSON.stringify({ signer })).not.toContain('super-secret');
    expect(Object.keys(signer)).toEqual([]);
  });

  it('rejects bad keys and payloads with INVALID_ARGUMENT', () => {
    expect(() => new HmacSigner(42 as unknown as string)).toThrowError(/key must be/);
    const signer = new HmacSigner('k');
    for (const bad of [undefined, null, 7, {}]) {
      try {
        signer.hex(bad as unknown as string);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(TickwireError);
        expect((e as TickwireError).code).toBe('INVALID_ARGUMENT');
      }
    }
  });
});
