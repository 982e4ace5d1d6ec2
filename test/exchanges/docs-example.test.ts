/** The example in docs/venues.md, run as written (its `tickwire` import pointed at the source). */
import { expect, it } from 'vitest';

import { docExample, runExample } from '../helpers/docs.js';

it('docs/venues.md example runs against the simulator', async () => {
  const code = docExample('docs/venues.md');
  expect(code).toBeDefined();
  const { stdout, stderr } = await runExample(code as string, 'example');
  expect(stderr).not.toMatch(/error/i);
  expect(stdout).toMatch(/^best \d+(\.\d+)? \d+(\.\d+)?$/m);
  expect(stdout).toMatch(/^fill buy [\d.]+ @ [\d.]+ taker$/m);
  expect(stdout).toContain('order filled 0.001\n');
  expect(stdout).toContain('trades seen true\n');
});
