/**
 * `native`: what the addon found on this machine and chose to use. `tickwire doctor` prints it.
 */
import { binding, type NativeFeatures, type NativeInfo } from './binding.js';

export type { NativeFeatures, NativeInfo };

export interface IoUringProbe {
  available: boolean;
  /** 0 when available, else the negative errno io_uring_queue_init returned. */
  errno: number;
  reason: string;
}

function probeIoUring(): IoUringProbe {
  const r = binding.probeIoUring();
  if (r === 0) return { available: true, errno: 0, reason: 'io_uring_queue_init succeeded' };
  const why: Record<number, string> = {
    [-38]: 'ENOSYS: the kernel has no io_uring',
    [-1]: 'EPERM: io_uring is disabled (sysctl kernel.io_uring_disabled, seccomp or a container policy)',
    [-12]: 'ENOMEM: locked-memory limit too low for the ring (ulimit -l)',
  };
  return { available: false, errno: r, reason: why[r] ?? `io_uring_queue_init failed with errno ${-r}` };
}

export const native = {
  /** CPU features, the implementations in use, and library versions. */
  info(): NativeInfo {
    return binding.info();
  },
  /** Whether an io_uring can be set up in this process, and if not, why. */
  probeIoUring,
  /**
   * Restricts the SIMD/SHA-NI paths (for tests and bisecting). `portable: true` forces the
   * portable C paths, like the TW_FORCE_IMPL=portable environment variable; false restores the
   * best paths the CPU offers. Process-wide: call it before starting connections.
   */
  forcePortable(portable: boolean): NativeFeatures {
    binding.selectImpls(portable ? 0 : 0xffffffff);
    return binding.info().inUse;
  },
} as const;
