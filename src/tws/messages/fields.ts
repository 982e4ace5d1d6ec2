/**
 * One description per message, two directions. A codec is a function that walks a message's fields in
 * wire order through a {@link FieldIO}: a {@link FieldReader} fills the record from received fields,
 * a {@link FieldWriter} emits the record's fields. The client decodes what the fake TWS encodes with
 * the very same walk (and vice versa), and the interop tests against @stoqey/ib check the walks
 * themselves against an independent implementation.
 *
 * Value conventions (IB's): booleans are `1`/`0`; an "unset" int or double is the empty field (IB's
 * clients also send Integer.MAX_VALUE / Double.MAX_VALUE, which read back as unset too); infinity is
 * `Infinite`.
 */
import { TickwireError } from '../../native/errors.js';
import { fieldText } from '../framing.js';
import { UNSET_INTEGER } from '../versions.js';

/** Keys of T whose value type accepts V. */
type KeysAccepting<T, V> = { [K in keyof T]-?: V extends T[K] ? K : never }[keyof T];

export interface FieldIO {
  /** True when reading (decoding), false when writing (encoding). */
  readonly reading: boolean;
  /** A string field ('' when unset). */
  str<T>(rec: T, key: KeysAccepting<T, string>): void;
  /** An int field: unset reads as 0. */
  int<T>(rec: T, key: KeysAccepting<T, number>): void;
  /** An int field that may be unset: '' / Integer.MAX_VALUE ↔ undefined. */
  intMax<T>(rec: T, key: KeysAccepting<T, number | undefined>): void;
  /** A double field: unset reads as 0. */
  float<T>(rec: T, key: KeysAccepting<T, number>): void;
  /** A double field that may be unset: '' / Double.MAX_VALUE ↔ undefined. */
  floatMax<T>(rec: T, key: KeysAccepting<T, number | undefined>): void;
  /** A Decimal (sizes, quantities): '' ↔ undefined. */
  decimal<T>(rec: T, key: KeysAccepting<T, number | undefined>): void;
  /** A 0/1 field. */
  bool<T>(rec: T, key: KeysAccepting<T, boolean>): void;
  /** A field tickwire does not keep: writes `value`, reads and discards. */
  skip(value?: string | number | boolean): void;
  /** A count that precedes repeated groups: writes `n`, returns the count read or `n`. */
  count(n: number): number;
  /** A constant the walk needs (message id, version): writes it, reads and returns the received value. */
  constant(value: number): number;
}

function parseNumber(text: string, what: string): number {
  if (text === 'Infinite' || text === 'Infinity') return Infinity;
  if (text === '-Infinite' || text === '-Infinity') return -Infinity;
  const n = Number(text.includes(',') ? text.replaceAll(',', '') : text);
  if (Number.isNaN(n)) throw protocolError(`field ${what}: '${text}' is not a number`);
  return n;
}

export function protocolError(message: string, reason = 'MALFORMED_MESSAGE'): TickwireError {
  return new TickwireError('TWS_PROTOCOL_ERROR', `TWS protocol error: ${message}`, { reason });
}

/** Reads fields in order from a received message (the id field already consumed or not, as the caller decides). */
export class FieldReader implements FieldIO {
  readonly reading = true;
  #i: number;
  constructor(
    readonly fields: readonly string[],
    start = 0,
  ) {
    this.#i = start;
  }

  get position(): number {
    return this.#i;
  }

  get remaining(): number {
    return this.fields.length - this.#i;
  }

  next(what: string): string {
    if (this.#i >= this.fields.length) {
      throw protocolError(`message ${this.fields[0] ?? '?'} ended before field '${what}' (${this.fields.length} fields)`, 'MESSAGE_TRUNCATED');
    }
    return this.fields[this.#i++] as string;
  }

  readStr(what = 'str'): string {
    return this.next(what);
  }
  readInt(what = 'int'): number {
    const t = this.next(what);
    if (t === '') return 0;
    const n = parseNumber(t, what);
    if (!Number.isFinite(n)) throw protocolError(`field ${what}: '${t}' is not an integer`);
    return Math.trunc(n);
  }
  readIntMax(what = 'int'): number | undefined {
    const t = this.next(what);
    if (t === '') return undefined;
    const n = parseNumber(t, what);
    return n >= UNSET_INTEGER || !Number.isFinite(n) ? undefined : Math.trunc(n);
  }
  readFloat(what = 'double'): number {
    const t = this.next(what);
    if (t === '') return 0;
    const n = parseNumber(t, what);
    return n >= Number.MAX_VALUE && n !== Infinity ? 0 : n;
  }
  readFloatMax(what = 'double'): number | undefined {
    const t = this.next(what);
    if (t === '') return undefined;
    const n = parseNumber(t, what);
    return n >= Number.MAX_VALUE && n !== Infinity ? undefined : n;
  }
  readDecimal(what = 'decimal'): number | undefined {
    const t = this.next(what);
    if (t === '') return undefined;
    const n = parseNumber(t, what);
    return Number.isFinite(n) && n < Number.MAX_VALUE ? n : undefined;
  }
  readBool(what = 'bool'): boolean {
    const t = this.next(what);
    if (t === '' || t === '0' || t === 'false') return false;
    if (t === '1' || t === 'true') return true;
    return parseNumber(t, what) !== 0;
  }

  str<T>(rec: T, key: KeysAccepting<T, string>): void {
    (rec as Record<PropertyKey, unknown>)[key] = this.readStr(String(key));
  }
  int<T>(rec: T, key: KeysAccepting<T, number>): void {
    (rec as Record<PropertyKey, unknown>)[key] = this.readInt(String(key));
  }
  intMax<T>(rec: T, key: KeysAccepting<T, number | undefined>): void {
    (rec as Record<PropertyKey, unknown>)[key] = this.readIntMax(String(key));
  }
  float<T>(rec: T, key: KeysAccepting<T, number>): void {
    (rec as Record<PropertyKey, unknown>)[key] = this.readFloat(String(key));
  }
  floatMax<T>(rec: T, key: KeysAccepting<T, number | undefined>): void {
    (rec as Record<PropertyKey, unknown>)[key] = this.readFloatMax(String(key));
  }
  decimal<T>(rec: T, key: KeysAccepting<T, number | undefined>): void {
    (rec as Record<PropertyKey, unknown>)[key] = this.readDecimal(String(key));
  }
  bool<T>(rec: T, key: KeysAccepting<T, boolean>): void {
    (rec as Record<PropertyKey, unknown>)[key] = this.readBool(String(key));
  }
  skip(): void {
    this.next('(skipped)');
  }
  count(): number {
    const n = this.readInt('count');
    if (n < 0 || n > 10_000) throw protocolError(`implausible repeat count ${n}`);
    return n;
  }
  constant(): number {
    return this.readInt('constant');
  }
}

/** Collects the fields of a message being encoded. */
export class FieldWriter implements FieldIO {
  readonly reading = false;
  readonly fields: string[] = [];

  push(...values: Array<string | number | boolean | undefined | null>): this {
    for (const v of values) this.fields.push(fieldText(v));
    return this;
  }

  #get<T>(rec: T, key: PropertyKey): unknown {
    return (rec as Record<PropertyKey, unknown>)[key];
  }
  str<T>(rec: T, key: KeysAccepting<T, string>): void {
    const v = this.#get(rec, key);
    this.fields.push(v === undefined || v === null ? '' : String(v));
  }
  int<T>(rec: T, key: KeysAccepting<T, number>): void {
    const v = this.#get(rec, key);
    this.fields.push(typeof v === 'number' && Number.isFinite(v) ? String(Math.trunc(v)) : '0');
  }
  intMax<T>(rec: T, key: KeysAccepting<T, number | undefined>): void {
    const v = this.#get(rec, key);
    this.fields.push(typeof v === 'number' && Number.isFinite(v) && v < UNSET_INTEGER ? String(Math.trunc(v)) : '');
  }
  float<T>(rec: T, key: KeysAccepting<T, number>): void {
    const v = this.#get(rec, key);
    this.fields.push(typeof v === 'number' ? fieldText(v) : '0');
  }
  floatMax<T>(rec: T, key: KeysAccepting<T, number | undefined>): void {
    const v = this.#get(rec, key);
    this.fields.push(typeof v === 'number' && v < Number.MAX_VALUE ? fieldText(v) : typeof v === 'number' && v === Infinity ? 'Infinite' : '');
  }
  decimal<T>(rec: T, key: KeysAccepting<T, number | undefined>): void {
    const v = this.#get(rec, key);
    this.fields.push(typeof v === 'number' && Number.isFinite(v) ? String(v) : '');
  }
  bool<T>(rec: T, key: KeysAccepting<T, boolean>): void {
    this.fields.push(this.#get(rec, key) ? '1' : '0');
  }
  skip(value: string | number | boolean = ''): void {
    this.fields.push(fieldText(value));
  }
  count(n: number): number {
    this.fields.push(String(n));
    return n;
  }
  constant(value: number): number {
    this.fields.push(String(value));
    return value;
  }
}
