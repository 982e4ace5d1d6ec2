/**
 * Kraken WebSocket v2 `book` checksum.
 *
 * Algorithm (Kraken, "Book checksum (WebSocket v2)", docs.kraken.com/api/docs/guides/spot-ws-book-v2;
 * see also ../../docs/book.md):
 *   1. the top 10 asks, price ascending: for each level, price then qty, each written with the
 *      pair's fixed precision, '.' removed, leading '0's stripped; appended;
 *   2. the top 10 bids, price descending, the same way, appended after the asks;
 *   3. CRC-32 (zlib/IEEE) of that ASCII string, as an unsigned 32-bit integer.
 * v2 sends JSON numbers, so the fixed-precision text is rebuilt from the number with the
 * instrument's `price_precision` / `qty_precision` (0.001 with qty precision 8 → "0.00100000" →
 * "100000"): trailing zeros count, which is why the precision must be the instrument's.
 *
 * IMPLEMENTATION NOTES
 * The hot path writes no strings: a value v with d decimals is the integer round(v * 10^d), and
 * "remove '.', strip leading zeros" of v.toFixed(d) is exactly that integer's decimal digits
 * (nothing for 0), which are fed into the CRC one by one. The integer route is taken only when it
 * provably agrees with toFixed (v >= 0, v * 10^d within 0.25 of an integer below 2^50); anything
 * else (huge values, more decimals than the precision) goes through toFixed itself.
 */
import { TickwireError } from '../native/errors.js';
import { CRC32_INIT, CRC32_TABLE, crc32Final, crc32String } from './crc32.js';
import type { OrderBook } from './order-book.js';
import type { Level } from './types.js';

/** Decimal places of the pair (Kraken v2 `instrument` channel: `price_precision`, `qty_precision`). */
export interface KrakenPrecision {
  readonly price: number;
  readonly qty: number;
}

/** Levels per side covered by the checksum, whatever the subscribed depth. */
export const KRAKEN_CHECKSUM_LEVELS = 10;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
const FAST_LIMIT = 2 ** 50;
const digits = new Uint8Array(24);

/** `value.toFixed(decimals)` with '.' removed and leading zeros stripped (Kraken's formatting). */
export function krakenFormat(value: number, decimals: number): string {
  return value.toFixed(decimals).replace('.', '').replace(/^0+/, '');
}

function checkPrecision(p: KrakenPrecision): void {
  for (const d of [p.price, p.qty]) {
    if (!(Number.isInteger(d) && d >= 0 && d <= 20)) {
      throw new TickwireError('INVALID_ARGUMENT', `Kraken precision must be integers in [0, 20], got price ${String(p.price)}, qty ${String(p.qty)}`);
    }
  }
}

/** Feeds krakenFormat(value, decimals) into a raw CRC state without building the string. */
function feed(state: number, value: number, decimals: number): number {
  const x = value * (POW10[decimals] as number);
  const m = Math.round(x);
  if (!(value >= 0 && m < FAST_LIMIT && Math.abs(x - m) < 0.25)) return crc32String(state, krakenFormat(value, decimals));
  let k = 0;
  let r = m;
  while (r > 0) {
    const q = Math.floor(r / 10);
    digits[k++] = r - q * 10;
    r = q;
  }
  let s = state;
  while (k > 0) s = (CRC32_TABLE[(s ^ (48 + (digits[--k] as number))) & 0xff] as number) ^ (s >>> 8);
  return s;
}

/** The checksum of a book: its top 10 asks and bids (fewer when the book has fewer levels). */
export function krakenChecksum(book: OrderBook, precision: KrakenPrecision): number {
  checkPrecision(precision);
  const pd = precision.price;
  const qd = precision.qty;
  let s = CRC32_INIT;
  const na = Math.min(book.size('ask'), KRAKEN_CHECKSUM_LEVELS);
  for (let i = 0; i < na; i++) {
    s = feed(s, book.priceAt('ask', i) as number, pd);
    s = feed(s, book.qtyAt('ask', i) as number, qd);
  }
  const nb = Math.min(book.size('bid'), KRAKEN_CHECKSUM_LEVELS);
  for (let i = 0; i < nb; i++) {
    s = feed(s, book.priceAt('bid', i) as number, pd);
    s = feed(s, book.qtyAt('bid', i) as number, qd);
  }
  return crc32Final(s);
}

/**
 * The checksum of level lists given best first (asks ascending, bids descending), e.g. a
 * simulator's own book; only the first 10 of each are used.
 */
export function krakenChecksumOfLevels(asks: readonly Level[], bids: readonly Level[], precision: KrakenPrecision): number {
  checkPrecision(precision);
  let s = CRC32_INIT;
  for (const side of [asks, bids]) {
    const n = Math.min(side.length, KRAKEN_CHECKSUM_LEVELS);
    for (let i = 0; i < n; i++) {
      const l = side[i] as Level;
      s = feed(s, l[0], precision.price);
      s = feed(s, l[1], precision.qty);
    }
  }
  return crc32Final(s);
}

/** The exact string the checksum is computed over (for logs and debugging; allocates). */
export function krakenChecksumInput(book: OrderBook, precision: KrakenPrecision): string {
  checkPrecision(precision);
  let out = '';
  for (const side of ['ask', 'bid'] as const) {
    for (const [price, qty] of book.depth(side, KRAKEN_CHECKSUM_LEVELS)) {
      out += krakenFormat(price, precision.price) + krakenFormat(qty, precision.qty);
    }
  }
  return out;
}

/**
 * Throws TickwireError('BOOK_CHECKSUM_MISMATCH') when the book's checksum differs from the one
 * the venue sent (compare after applying every level of the message and truncating). The
 * caller then discards the book and resubscribes for a fresh snapshot.
 */
export function verifyKrakenChecksum(book: OrderBook, expected: number, precision: KrakenPrecision, context = 'Kraken book'): void {
  const got = krakenChecksum(book, precision);
  if (got !== expected >>> 0) {
    throw new TickwireError('BOOK_CHECKSUM_MISMATCH', `${context}: checksum mismatch, venue sent ${String(expected >>> 0)}, local book gives ${String(got)}`);
  }
}
