/** The Coinbase example in docs/venues.md, run as written (its `tickwire` import pointed at the source). */
import { expect, it } from 'vitest';

import { docExample, runExample } from '../helpers/docs.js';

it('docs/venues.md Coinbase example runs against the simulator', async () => {
  const code = docExample('docs/venues.md', '## Coinbase');
  expect(code).toContain('CoinbaseVenue');
  const { stdout, stderr } = await runExample(code as string, 'coinbase');
  expect(stderr).not.toMatch(/error/i);
  expect(stdout).toMatch(/^best \d+(\.\d+)? \d+(\.\d+)?$/m);
  expect(stdout).toContain('order VENUE_UNSUPPORTED\n');
});
