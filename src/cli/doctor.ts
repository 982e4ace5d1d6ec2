/**
 * `tickwire doctor`: what tickwire found on this machine and chose, and a loopback self-test on
 * every transport that can run here.
 */
import os from 'node:os';

import { native } from '../native/introspect.js';
import { NativeEngine } from '../net/engine.js';
import { connect } from '../net/websocket.js';
import { startEchoServer } from './loopback-echo.js';

function yes(b: boolean): string {
  return b ? 'yes' : 'no';
}

async function selfTest(transport: 'io_uring' | 'io_uring_sqpoll' | 'epoll'): Promise<string> {
  const server = await startEchoServer();
  try {
    const ws = await connect(server.url, { transport, reconnect: false, connectTimeoutMs: 3000 });
    const n = 1000;
    let got = 0;
    const t0 = performance.now();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`echo stalled after ${got} of ${n} messages`)), 5000);
      ws.on('message', (data) => {
        if (data.length !== 100) reject(new Error('echo changed the message'));
        if (++got === n) {
          clearTimeout(timer);
          resolve();
        } else ws.send(new Uint8Array(100));
      });
      ws.send(new Uint8Array(100));
    });
    const us = ((performance.now() - t0) * 1000) / n;
    ws.close();
    return `ok: ${n} echoes of 100 B, ${us.toFixed(1)} µs per round trip`;
  } finally {
    await server.close();
  }
}

export async function doctor(): Promise<number> {
  const info = native.info();
  const f = info.detected;
  const u = info.inUse;
  console.log('tickwire doctor');
  console.log(`  node          ${process.version} on ${os.type()} ${os.release()} ${os.arch()}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'})`);
  console.log(`  cpu           SHA-NI ${yes(f.sha)}, AVX2 ${yes(f.avx2)}, AVX-512 ${yes(f.avx512)}, VAES ${yes(f.vaes)}`);
  console.log(`  in use        sha256=${info.impls.sha256}, mask=${info.impls.mask}, aes-gcm=${info.impls.aesGcm}${!u.sha && !u.avx2 && !u.avx512 && (f.sha || f.avx2) ? ' (portable forced: TW_FORCE_IMPL)' : ''}`);
  console.log(`  libraries     BearSSL ${info.versions.bearssl}, liburing ${info.versions.liburing} (static), core ${info.versions.core}`);
  const probe = native.probeIoUring();
  console.log(`  io_uring      ${probe.available ? 'available' : `unavailable: ${probe.reason}`}`);
  let status = 0;
  try {
    const auto = NativeEngine.get('auto');
    console.log(`  transport     auto → ${auto.transport} (${auto.reason})`);
  } catch (e) {
    console.log(`  transport     FAILED: ${(e as Error).message}`);
    status = 1;
  }
  for (const t of ['io_uring', 'io_uring_sqpoll', 'epoll'] as const) {
    if (t !== 'epoll' && !probe.available) {
      console.log(`  self-test     ${t}: skipped (${probe.reason})`);
      continue;
    }
    try {
      console.log(`  self-test     ${t}: ${await selfTest(t)}`);
    } catch (e) {
      console.log(`  self-test     ${t}: FAILED: ${(e as Error).message}`);
      status = 1;
    }
  }
  return status;
}
