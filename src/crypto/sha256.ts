/** SHA-256 on the native core (SHA-NI where the CPU has it). */
import { binding } from '../native/binding.js';
import { invalidArgument } from '../native/errors.js';

/** SHA-256 of `data` (a string is hashed as UTF-8). Returns a new 32-byte Buffer. */
export function sha256(data: string | ArrayBufferView): Buffer {
  if (typeof data !== 'string' && !ArrayBuffer.isView(data)) {
    invalidArgument('sha256(data): data must be a string, Buffer, TypedArray or DataView');
  }
  const out = Buffer.allocUnsafe(32); // from Node's pool: far cheaper than a Buffer made in C
  binding.sha256Into(data, out);
  return out;
}
