/** The Kraken example in docs/venues.md, run as written (its `tickwire` import pointed at the source). */
import { expect, it } from 'vitest';

import { docExample, runExample } from '../helpers/docs.js';

it('docs/venues.md Kraken example runs against the simulator', async () => {
  const code = docExample('docs/venues.md', '## Kraken');
  expect(code).toContain('KrakenVenue');
  const { stdout, stderr } = await runExample(code as string, 'kraken');
  expect(stderr).not.toMatch(/error/i);
  expect(stdout).toMatch(/^best \d+(\.\d+)? \d+(\.\d+)?$/m);
  expect(stdout).toContain('order new true\n');
  expect(stdout).toContain('cancel canceled\n');
});
