/**
 * Readers for venue message fields, shared by every adapter's parse.ts: each checks one field's
 * type and throws a VENUE_MESSAGE_INVALID TickwireError naming the field and showing (a prefix
 * of) the bad value, so the adapter can report it and go on with the next message.
 */
import type { TickwireError } from '../../native/errors.js';
import type { VenueId } from './types.js';
import { invalidMessage } from './venue.js';

export type Obj = Record<string, unknown>;

export interface FieldReaders {
  /** The error for a field that is not what it must be. */
  bad(what: string, value: unknown): TickwireError;
  /** A JSON object (not null, not an array). */
  asObject(v: unknown, what: string): Obj;
  asArray(v: unknown, what: string): unknown[];
  /** Any string. */
  string(v: unknown, what: string): string;
  /** A string that is not empty. */
  nonEmptyString(v: unknown, what: string): string;
  /** A JSON number that is a safe integer. */
  integer(v: unknown, what: string): number;
  boolean(v: unknown, what: string): boolean;
  /** A non-empty decimal string that parses to a finite number. */
  decimalString(v: unknown, what: string): number;
}

/**
 * What {@link FieldReaders.decimalString} accepts, as a number; NaN otherwise. For per-level
 * loops: check against NaN and build the field name only for the error.
 */
export function decimalStringValue(v: unknown): number {
  const n = typeof v === 'string' && v !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

/** The field readers of one venue (its name goes into every error). */
export function fieldReaders(venue: VenueId): FieldReaders {
  const bad = (what: string, value: unknown): TickwireError => {
    let shown: string;
    try {
      shown = JSON.stringify(value) ?? String(value);
    } catch {
      shown = String(value);
    }
    return invalidMessage(venue, `${what} is not valid (${shown.length > 80 ? `${shown.slice(0, 80)}…` : shown})`);
  };
  return {
    bad,
    asObject(v, what) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(what, v);
      return v as Obj;
    },
    asArray(v, what) {
      if (!Array.isArray(v)) throw bad(what, v);
      return v;
    },
    string(v, what) {
      if (typeof v !== 'string') throw bad(what, v);
      return v;
    },
    nonEmptyString(v, what) {
      if (typeof v !== 'string' || v === '') throw bad(what, v);
      return v;
    },
    integer(v, what) {
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw bad(what, v);
      return v;
    },
    boolean(v, what) {
      if (typeof v !== 'boolean') throw bad(what, v);
      return v;
    },
    decimalString(v, what) {
      const n = decimalStringValue(v);
      if (Number.isNaN(n)) throw bad(what, v);
      return n;
    },
  };
}
