/**
 * The fake TWS / IB Gateway (`tickwire sim --tws`): see server.ts.
 */
import { FakeTws, type FakeTwsOptions } from './server.js';

export { FakeTws, type FakeTwsOptions, type FakeTwsFaults, type FakePosition, type FakeRequest, type FakeClientInfo, type FakeTwsEvents } from './server.js';
export { DEFAULT_INSTRUMENTS, type InstrumentSpec } from './market.js';

/**
 * Starts a fake TWS listening on `host:port` (default 127.0.0.1, port 0 = ephemeral). Resolves
 * once listening; `port` is the bound port, `close()` stops it, `faults` switches fault injection
 * on and off at runtime.
 */
export async function startFakeTws(options: FakeTwsOptions = {}): Promise<FakeTws> {
  const fake = new FakeTws(options);
  await fake._listen(options.port ?? 0);
  return fake;
}
