/** The Bybit example in docs/venues.md, run as written (its `tickwire` import pointed at the source). */
import { expect, it } from 'vitest';

import { docExample, runExample } from '../helpers/docs.js';

it('docs/venues.md Bybit example runs against the simulator', async () => {
  const code = docExample('docs/venues.md', '## Bybit');
  expect(code).toContain('BybitVenue');
  const { stdout, stderr } = await runExample(code as string, 'bybit');
  expect(stderr).not.toMatch(/error/i);
  expect(stdout).toMatch(/^best \d+(\.\d+)? \d+(\.\d+)?$/m);
  expect(stdout).toContain('order new\n');
  expect(stdout).toMatch(/^fill buy [\d.]+ @ [\d.]+ taker$/m);
});
