/**
 * Numbers to the decimal strings venues expect, with one exact rule so the reference request
 * builders and the native order templates produce the same bytes:
 *
 *   scaled = round-half-up(value × 10^decimals)   (one IEEE-754 double multiply, then Math.round;
 *                                                   C: llround(value * 1eN) for value ≥ 0)
 *   text   = scaled with a '.' inserted `decimals` digits from the right (zero-padded, no sign,
 *            no exponent; no '.' when decimals is 0)
 *
 * So 0.1 + 0.2 (0.30000000000000004) with 8 decimals is `0.30000000`, and 23416.1 is
 * `23416.10000000`. Values must be finite, ≥ 0, and scale to at most 2^53 − 1.
 */
import { TickwireError } from '../../native/errors.js';

const POW10 = Array.from({ length: 19 }, (_, i) => 10 ** i);

/** The scaled integer of {@link formatDecimal}; throws ORDER_VALUE_OUT_OF_RANGE / INVALID_ARGUMENT. */
export function scaleDecimal(value: number, decimals: number, what = 'value'): number {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 18) {
    throw new TickwireError('INVALID_ARGUMENT', `${what}: decimals must be an integer 0-18, got ${String(decimals)}`);
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TickwireError('ORDER_VALUE_OUT_OF_RANGE', `${what} must be a finite number >= 0, got ${String(value)}`);
  }
  const scaled = Math.round(value * (POW10[decimals] as number));
  if (scaled > Number.MAX_SAFE_INTEGER) {
    throw new TickwireError('ORDER_VALUE_OUT_OF_RANGE', `${what} ${value} with ${decimals} decimals exceeds 2^53 - 1 units`);
  }
  return scaled;
}

/** `value` as a plain decimal string with exactly `decimals` digits after the point (rule above). */
export function formatDecimal(value: number, decimals: number, what = 'value'): string {
  return formatScaled(scaleDecimal(value, decimals, what), decimals);
}

/** A non-negative safe integer of `decimals`-digit units as a decimal string (`12345, 2` → `123.45`). */
export function formatScaled(scaled: number, decimals: number): string {
  const digits = String(scaled);
  if (decimals === 0) return digits;
  const padded = digits.length <= decimals ? '0'.repeat(decimals - digits.length + 1) + digits : digits;
  return `${padded.slice(0, padded.length - decimals)}.${padded.slice(padded.length - decimals)}`;
}
