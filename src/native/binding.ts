/**
 * The only place the addon is loaded. node-gyp-build picks prebuilds/linux-x64/*.node when one
 * matches this platform, else the binary a source build left in build/Release.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

import { TickwireError } from './errors.js';

/** Opaque handle to native HMAC key state (a napi_external; never readable from JS). */
export type NativeHmacKey = { readonly __brand: 'NativeHmacKey' };

export interface NativeFeatures {
  ssse3: boolean;
  sse41: boolean;
  sha: boolean;
  avx2: boolean;
  avx512: boolean;
  /** VAES + VPCLMULQDQ (AVX-512): TLS AES-GCM records four blocks per instruction. */
  vaes: boolean;
}

export interface NativeInfo {
  detected: NativeFeatures;
  inUse: NativeFeatures;
  /** `aesGcm`: 'vaes' (ours) or 'bearssl' (BearSSL's AES-NI/PCLMUL or portable code). */
  impls: { sha256: string; mask: string; aesGcm: string };
  versions: { bearssl: string; liburing: string; core: string };
}

type Bytes = ArrayBufferView;

/** What the addon exports (native/addon/*.cc). Arguments are validated by the TS wrappers. */
export interface NativeBinding {
  /** `keyLE`: the 4 key bytes, already rotated for the payload offset, packed little-endian as an int32. */
  mask(buf: Bytes, keyLE: number): void;
  /** Writes the 32-byte digest into out[0..32). */
  sha256Into(data: Bytes | string, out: Bytes): void;
  hmacCreate(key: Bytes | string): NativeHmacKey;
  hmacDigestInto(key: NativeHmacKey, payload: Bytes | string, out: Bytes): void;
  hmacHex(key: NativeHmacKey, payload: Bytes | string): string;
  hmacBase64(key: NativeHmacKey, payload: Bytes | string): string;
  hmacSignInto(key: NativeHmacKey, payload: Bytes | string, out: Bytes, offset: number): void;
  frameWrite(
    out: Bytes,
    offset: number,
    payload: Bytes | string,
    opcode: number,
    fin: number,
    keyLE: number /* int32, as for mask() */,
    masked: boolean,
  ): number;
  info(): NativeInfo;
  selectImpls(allowed: number): number;
  probeIoUring(): number;
  statuses(): Record<string, number>;
  statusMessage(status: number): string;
  noop(...args: unknown[]): void;
  noopBuffer(buf: Bytes): void;
  readonly SHA256_LEN: number;
  readonly SHA256_HEX_LEN: number;
  readonly WS_MAX_HEADER_LEN: number;
  readonly CPU_SSSE3: number;
  readonly CPU_SSE41: number;
  readonly CPU_SHA: number;
  readonly CPU_AVX2: number;
  readonly CPU_AVX512: number;
}

/** The package root (two levels above dist/native/ or src/native/). */
export const packageRoot: string = fileURLToPath(new URL('../..', import.meta.url));

function load(): NativeBinding {
  const require = createRequire(import.meta.url);
  try {
    const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
    return nodeGypBuild(packageRoot) as NativeBinding;
  } catch (cause) {
    throw new TickwireError(
      'NATIVE_LOAD_FAILED',
      `tickwire: the native addon could not be loaded (${(cause as Error).message}). ` +
        'tickwire ships a prebuilt binary for Linux x64; elsewhere it builds from source, which needs ' +
        'python3, make and a C/C++ compiler: run `npm rebuild tickwire`.',
      { cause },
    );
  }
}

export const binding: NativeBinding = load();

/** Native status number → TW_ERR_* name without the prefix. */
export const statusNames: ReadonlyMap<number, string> = new Map(
  Object.entries(binding.statuses()).map(([name, status]) => [status, name]),
);
