/** Turns a negative native status into a thrown TickwireError. */
import { binding, statusNames } from './binding.js';
import { errorFromStatus, type TickwireError } from './errors.js';

export function nativeError(status: number, context: string): TickwireError {
  return errorFromStatus(status, statusNames, (s) => binding.statusMessage(s), context);
}
