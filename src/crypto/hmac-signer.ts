/**
 * HMAC-SHA256 with the key schedule done once. A signer keeps the SHA-256 states after the
 * key's inner and outer pads in native memory (never visible to JS, wiped when collected), so
 * each signature costs only the message's own compressions plus one.
 */
import { binding, type NativeHmacKey } from '../native/binding.js';
import { invalidArgument } from '../native/errors.js';

export type HmacPayload = string | ArrayBufferView;

function checkPayload(payload: HmacPayload, method: string): void {
  if (typeof payload !== 'string' && !ArrayBuffer.isView(payload)) {
    invalidArgument(`HmacSigner.${method}(payload): payload must be a string, Buffer, TypedArray or DataView`);
  }
}

export class HmacSigner {
  readonly #key: NativeHmacKey;

  /** `key` is the secret; a string is used as its UTF-8 bytes. Keys over 64 bytes are hashed first. */
  constructor(key: string | ArrayBufferView) {
    if (typeof key !== 'string' && !ArrayBuffer.isView(key)) {
      invalidArgument('new HmacSigner(key): key must be a string, Buffer, TypedArray or DataView');
    }
    this.#key = binding.hmacCreate(key);
  }

  /** The raw 32-byte MAC as a new Buffer. */
  digest(payload: HmacPayload): Buffer {
    checkPayload(payload, 'digest');
    const out = Buffer.allocUnsafe(32); // from Node's pool: far cheaper than a Buffer made in C
    binding.hmacDigestInto(this.#key, payload, out);
    return out;
  }

  /** The MAC as 64 lowercase hex characters (Binance, Bybit). */
  hex(payload: HmacPayload): string {
    checkPayload(payload, 'hex');
    return binding.hmacHex(this.#key, payload);
  }

  /** The MAC as 44 characters of padded standard base64. */
  base64(payload: HmacPayload): string {
    checkPayload(payload, 'base64');
    return binding.hmacBase64(this.#key, payload);
  }

  /**
   * Writes the 64 hex characters of the MAC into `out` at `offset`, allocating nothing: the
   * signature slot of a pre-serialized order. Throws BUFFER_TOO_SMALL if they do not fit.
   */
  signInto(payload: HmacPayload, out: ArrayBufferView, offset = 0): void {
    checkPayload(payload, 'signInto');
    if (!ArrayBuffer.isView(out)) invalidArgument('HmacSigner.signInto: out must be a Buffer, TypedArray or DataView');
    if (!Number.isSafeInteger(offset) || offset < 0 || offset + 64 > out.byteLength) {
      invalidArgument(
        `HmacSigner.signInto: offset ${String(offset)} leaves no room for 64 hex characters in ${out.byteLength} bytes`,
      );
    }
    binding.hmacSignInto(this.#key, payload, out, offset);
  }

  /** Never reveal key material through inspection or serialization. */
  toJSON(): string {
    return 'HmacSigner {}';
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'HmacSigner {}';
  }
}
