/**
 * Binance market data straight from the received bytes: combined-stream `trade` and `depthUpdate`
 * messages parsed without building a string or calling JSON.parse. Numbers are read from their
 * ASCII digits; a decimal with at most 15 significant digits is `mantissa / 10^k`, which is
 * exactly what parseFloat returns (both operands are exact doubles, and one IEEE division rounds
 * correctly), so book keys are identical on both paths.
 *
 * The parser accepts the compact JSON Binance sends. Anything else — whitespace, escapes, an
 * exponent, more than 15 significant digits, an unexpected value type, a key it does not know with
 * a nested value — makes it return `null`, and the caller takes the general path
 * (TextDecoder + JSON.parse + parse.ts), which also produces the typed error for malformed input.
 * test/exchanges/binance-fast-parse.test.ts checks both paths agree on random messages.
 */
import type { Level, Trade } from '../common/types.js';
import type { ParsedDepthUpdate } from './parse.js';

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const Q = 0x22; // "
const COLON = 0x3a;
const COMMA = 0x2c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACK = 0x5b;
const RBRACK = 0x5d;

/** A cursor over one message; `ok` turns false at the first byte the fast path does not accept. */
class Cursor {
  b: Uint8Array = new Uint8Array(0);
  i = 0;
  end = 0;
  ok = true;
  /** The last key read by key(): its start in b and its length. */
  ks = 0;
  kn = 0;

  reset(b: Uint8Array): void {
    this.b = b;
    this.i = 0;
    this.end = b.length;
    this.ok = true;
  }

  eat(c: number): boolean {
    if (this.i < this.end && this.b[this.i] === c) {
      this.i++;
      return true;
    }
    return false;
  }

  need(c: number): void {
    if (!this.eat(c)) this.ok = false;
  }

  /** A string without escapes: returns its [start, end) in b, or -1. */
  str(): number {
    if (!this.eat(Q)) {
      this.ok = false;
      return -1;
    }
    const s = this.i;
    const b = this.b;
    let i = s;
    while (i < this.end) {
      const c = b[i] as number;
      if (c === Q) {
        this.i = i + 1;
        return s;
      }
      if (c === 0x5c || c < 0x20) break; // escapes and control characters: general path
      i++;
    }
    this.ok = false;
    return -1;
  }

  /** A non-negative integer (safe range). */
  int(): number {
    const b = this.b;
    let i = this.i;
    let v = 0;
    const s = i;
    while (i < this.end) {
      const d = (b[i] as number) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      i++;
    }
    if (i === s || i - s > 15) this.ok = false;
    this.i = i;
    return v;
  }

  /** A quoted decimal such as "97000.01000000" (what Binance sends for prices and quantities). */
  dec(): number {
    if (!this.eat(Q)) {
      this.ok = false;
      return 0;
    }
    const b = this.b;
    let i = this.i;
    let m = 0;
    let sig = 0;
    let frac = -1;
    const s = i;
    for (; i < this.end; i++) {
      const c = b[i] as number;
      if (c === 0x2e && frac < 0) {
        frac = 0;
        continue;
      }
      const d = c - 48;
      if (d < 0 || d > 9) break;
      if (m !== 0 || d !== 0) sig++;
      m = m * 10 + d;
      if (frac >= 0) frac++;
    }
    if (i === s || b[i] !== Q || sig > 15 || frac === 0 || frac > 22) {
      this.ok = false;
      return 0;
    }
    this.i = i + 1;
    return frac > 0 ? m / (POW10[frac] as number) : m;
  }

  bool(): boolean {
    const b = this.b;
    const i = this.i;
    if (b[i] === 0x74 && b[i + 1] === 0x72 && b[i + 2] === 0x75 && b[i + 3] === 0x65) {
      this.i = i + 4;
      return true;
    }
    if (b[i] === 0x66 && b[i + 1] === 0x61 && b[i + 2] === 0x6c && b[i + 3] === 0x73 && b[i + 4] === 0x65) {
      this.i = i + 5;
      return false;
    }
    this.ok = false;
    return false;
  }

  /** Skips a string, number, true/false/null (nested values: general path). */
  skip(): void {
    const c = this.b[this.i];
    if (c === Q) {
      this.str();
      return;
    }
    if (c === LBRACE || c === LBRACK || c === undefined) {
      this.ok = false;
      return;
    }
    while (this.i < this.end) {
      const x = this.b[this.i] as number;
      if (x === COMMA || x === RBRACE) return;
      this.i++;
    }
  }

  /** [["p","q"],...] */
  levels(): Level[] {
    const out: Level[] = [];
    this.need(LBRACK);
    if (this.eat(RBRACK)) return out;
    while (this.ok) {
      this.need(LBRACK);
      const price = this.dec();
      this.need(COMMA);
      const qty = this.dec();
      this.need(RBRACK);
      if (!this.ok || !(price > 0)) {
        this.ok = false;
        return out;
      }
      out.push([price, qty]);
      if (this.eat(RBRACK)) return out;
      this.need(COMMA);
    }
    return out;
  }
}

/** Interns short ASCII strings (symbols, event types) so a repeated symbol costs no allocation. */
class Interner {
  #last: Uint8Array = new Uint8Array(0);
  #lastStr = '';
  #map = new Map<number, Array<[Uint8Array, string]>>();

  get(b: Uint8Array, s: number, e: number): string {
    const n = e - s;
    const last = this.#last;
    if (last.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (last[i] !== b[s + i]) {
          same = false;
          break;
        }
      }
      if (same) return this.#lastStr;
    }
    let h = n;
    for (let i = s; i < e; i++) h = (Math.imul(h, 31) + (b[i] as number)) | 0;
    let bucket = this.#map.get(h);
    if (bucket) {
      for (const [bytes, str] of bucket) {
        if (bytes.length !== n) continue;
        let same = true;
        for (let i = 0; i < n; i++) {
          if (bytes[i] !== b[s + i]) {
            same = false;
            break;
          }
        }
        if (same) {
          this.#last = bytes;
          this.#lastStr = str;
          return str;
        }
      }
    } else {
      bucket = [];
      if (this.#map.size < 4096) this.#map.set(h, bucket);
    }
    const bytes = b.slice(s, e);
    const str = String.fromCharCode(...bytes);
    bucket.push([bytes, str]);
    this.#last = bytes;
    this.#lastStr = str;
    return str;
  }
}

const cur = new Cursor();
const names = new Interner();

/** What fastParse found: a normalized trade or a checked depth update (no wrapper object per message). */
export type FastEvent = Trade | ParsedDepthUpdate | null;

/** Whether a fastParse result is a trade (a depth update otherwise). */
export function isFastTrade(ev: Trade | ParsedDepthUpdate): ev is Trade {
  return 'venue' in ev;
}

const K_E = 0x45; // E
const K_e = 0x65; // e

/** Reads a key and its colon: its bytes are [c.ks, c.ks + c.kn) (no tuple per key). */
function key(c: Cursor): void {
  const s = c.str();
  c.need(COLON);
  c.ks = s;
  c.kn = c.i - 2 - s;
}

/** Whether bytes [s, s+n) spell `word`. */
function is(b: Uint8Array, s: number, n: number, word: string): boolean {
  if (n !== word.length) return false;
  for (let i = 0; i < n; i++) if (b[s + i] !== word.charCodeAt(i)) return false;
  return true;
}

/**
 * Parses one combined-stream message (`{"stream":…,"data":{…}}`) or a raw-stream event (`{…}`)
 * holding a trade or a depthUpdate. Returns null when the message is something else or the fast
 * path does not accept it: take the general path then.
 */
export function fastParse(b: Uint8Array, recvTs: number): FastEvent {
  const c = cur;
  c.reset(b);
  c.need(LBRACE);
  if (b[c.i + 1] === 0x73 && b[c.i + 2] === 0x74) {
    // {"stream":"…","data":{…}}
    key(c);
    if (!c.ok || !is(b, c.ks, c.kn, 'stream')) return null;
    c.skip();
    c.need(COMMA);
    key(c);
    if (!c.ok || !is(b, c.ks, c.kn, 'data')) return null;
  } else {
    c.i = 0;
  }
  const r = event(c, b, recvTs);
  return c.ok ? r : null;
}

function event(c: Cursor, b: Uint8Array, recvTs: number): FastEvent {
  c.need(LBRACE);
  let kind = 0; // 1 trade, 2 depthUpdate
  let symbol = '';
  let E = -1;
  let t = -1;
  let T = -1;
  let U = -1;
  let u = -1;
  let price = -1;
  let qty = -1;
  let m = -1;
  let bids: Level[] | null = null;
  let asks: Level[] | null = null;
  while (c.ok) {
    key(c);
    if (!c.ok) return null;
    const k = c.kn === 1 ? (b[c.ks] as number) : -1;
    switch (k) {
      case K_e: {
        const v = c.str();
        const len = c.i - 1 - v;
        if (is(b, v, len, 'trade')) kind = 1;
        else if (is(b, v, len, 'depthUpdate')) kind = 2;
        else return null;
        break;
      }
      case K_E:
        E = c.int();
        break;
      case 0x73: {
        // s
        const v = c.str();
        if (v >= 0) symbol = names.get(b, v, c.i - 1);
        break;
      }
      case 0x74: // t
        t = c.int();
        break;
      case 0x54: // T
        T = c.int();
        break;
      case 0x70: // p
        price = c.dec();
        break;
      case 0x71: // q
        qty = c.dec();
        break;
      case 0x6d: // m
        m = c.bool() ? 1 : 0;
        break;
      case 0x55: // U
        U = c.int();
        break;
      case 0x75: // u
        u = c.int();
        break;
      case 0x62: // b
        if (kind === 1) c.skip();
        else bids = c.levels();
        break;
      case 0x61: // a
        if (kind === 1) c.skip();
        else asks = c.levels();
        break;
      default:
        c.skip();
    }
    if (c.eat(RBRACE)) break;
    c.need(COMMA);
  }
  if (!c.ok || symbol === '') return null;
  if (kind === 1) {
    if (t < 0 || T < 0 || price < 0 || qty < 0 || m < 0) return null;
    return { venue: 'binance', symbol, id: String(t), price, qty, side: m === 1 ? 'sell' : 'buy', venueTs: T, recvTs };
  }
  if (kind === 2) {
    if (E < 0 || U < 0 || u < 0 || U > u || bids === null || asks === null) return null;
    return { symbol, U, u, E, bids, asks };
  }
  return null;
}
