/**
 * The byte-level Binance parser (fast-parse.ts) against the general path (JSON.parse + parse.ts)
 * on random trade and depthUpdate messages, raw and combined-stream, plus the inputs it must hand
 * back to the general path (null) instead of guessing.
 */
import { describe, expect, it } from 'vitest';

import { fastParse, isFastTrade } from '../../src/exchanges/binance/fast-parse.js';
import { parseDepthUpdate, parseTrade } from '../../src/exchanges/binance/parse.js';
import { seeded } from '../helpers/random.js';


function decimalText(r: () => number): string {
  const intPart = String(Math.floor(r() * 10 ** Math.floor(r() * 7)));
  const digits = Math.floor(r() * 9);
  let frac = '';
  for (let i = 0; i < digits; i++) frac += String(Math.floor(r() * 10));
  return digits ? `${intPart}.${frac}` : intPart;
}

function trade(r: () => number): string {
  return JSON.stringify({
    e: 'trade',
    E: 1732450000000 + Math.floor(r() * 1e6),
    s: r() < 0.5 ? 'BTCUSDT' : 'ETHUSDT',
    t: Math.floor(r() * 1e12),
    p: decimalText(r),
    q: decimalText(r),
    T: 1732450000000 + Math.floor(r() * 1e6),
    m: r() < 0.5,
    M: true,
  });
}

function depth(r: () => number): string {
  const lv = () =>
    Array.from({ length: Math.floor(r() * 12) }, () => [`${1 + Math.floor(r() * 99999)}.${String(Math.floor(r() * 1e8)).padStart(8, '0')}`, r() < 0.2 ? '0.00000000' : decimalText(r)]);
  const U = Math.floor(r() * 1e10);
  return JSON.stringify({ e: 'depthUpdate', E: 1732450000000 + Math.floor(r() * 1e6), s: 'BTCUSDT', U, u: U + Math.floor(r() * 50), b: lv(), a: lv() });
}

const enc = (s: string) => new TextEncoder().encode(s);

describe('Binance fast parse', () => {
  it('agrees with JSON.parse + parse.ts on 20,000 random trades and depth updates, raw and combined', () => {
    const r = seeded(3);
    for (let i = 0; i < 20_000; i++) {
      const isTrade = r() < 0.5;
      const body = isTrade ? trade(r) : depth(r);
      const combined = r() < 0.5;
      const text = combined ? `{"stream":"btcusdt@${isTrade ? 'trade' : 'depth@100ms'}","data":${body}}` : body;
      const got = fastParse(enc(text), 42);
      expect(got, text).not.toBeNull();
      const data = JSON.parse(body) as unknown;
      expect(isFastTrade(got as NonNullable<typeof got>)).toBe(isTrade);
      if (isTrade) expect(got).toEqual(parseTrade(data, 42));
      else expect(got).toEqual(parseDepthUpdate(data));
    }
  });

  it('hands everything it does not fully accept back to the general path', () => {
    const ok = '{"e":"trade","E":1,"s":"BTCUSDT","t":5,"p":"1.5","q":"2","T":3,"m":false,"M":true}';
    expect(fastParse(enc(ok), 0)).not.toBeNull();
    for (const text of [
      ok.replace('"p":"1.5"', '"p":"1.5e3"'), // exponent
      ok.replace('"p":"1.5"', '"p":"-1.5"'), // sign
      ok.replace('"p":"1.5"', '"p":"1234567890.1234567"'), // 17 significant digits
      '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["0","2"]],"a":[]}', // level price 0: the general path throws the typed error
      ok.replace('"s":"BTCUSDT"', '"s":"BTC\\u0055SDT"'), // escape
      ok.replace('{"e"', '{ "e"'), // whitespace
      ok.replace('"t":5', '"t":5.5'), // non-integer id
      ok.replace('"m":false', '"m":0'), // wrong type
      ok.replace(',"M":true}', ',"x":{"y":1}}'), // nested unknown value
      ok.slice(0, -1), // truncated
      '{"e":"kline","E":1,"s":"BTCUSDT"}', // another event
      '{"result":null,"id":1}',
      '',
      '[]',
      '{"stream":"x","data":[1]}',
      '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":5,"u":4,"b":[],"a":[]}', // U > u
      '{"e":"depthUpdate","E":1,"s":"BTCUSDT","U":1,"u":2,"b":[["1","2"],],"a":[]}', // bad array
    ]) {
      expect(fastParse(enc(text), 0), text).toBeNull();
    }
  });

  it('reads prices exactly as parseFloat does (book keys match on both paths)', () => {
    const r = seeded(9);
    for (let i = 0; i < 50_000; i++) {
      const p = decimalText(r);
      const got = fastParse(enc(`{"e":"trade","s":"X","t":1,"p":"${p}","q":"1","T":1,"m":true}`), 0);
      expect(got !== null && isFastTrade(got) ? got.price : NaN).toBe(Number.parseFloat(p));
    }
  });
});
