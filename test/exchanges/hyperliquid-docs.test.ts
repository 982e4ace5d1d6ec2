/** The Hyperliquid example in docs/venues.md, run as written (its `tickwire` import pointed at the source). */
import { expect, it } from 'vitest';

import { HYPERLIQUID_SIM_DEMO_ADDRESS } from '../../src/sim/hyperliquid.js';
import { docExample, runExample } from '../helpers/docs.js';

it('docs/venues.md Hyperliquid example runs against the simulator', async () => {
  const code = docExample('docs/venues.md', '## Hyperliquid');
  expect(code).toContain('HyperliquidVenue');
  expect(code).toContain(HYPERLIQUID_SIM_DEMO_ADDRESS);
  const { stdout, stderr } = await runExample(code as string, 'hyperliquid');
  expect(stderr).not.toMatch(/error/i);
  expect(stdout).toMatch(/^best \d+(\.\d+)? \d+(\.\d+)?$/m);
  expect(stdout).toMatch(/^fill buy [\d.]+ @ [\d.]+ taker$/m);
  expect(stdout).toContain('order VENUE_UNSUPPORTED\n');
});
