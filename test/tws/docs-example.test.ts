/** The runnable example in docs/tws.md, run as written (its `tickwire` import pointed at the source). */
import { expect, it } from 'vitest';

import { docExample, runExample } from '../helpers/docs.js';

it('docs/tws.md example runs against the fake TWS', async () => {
  const code = docExample('docs/tws.md', '## A runnable example against the fake TWS');
  expect(code).toContain('startFakeTws');
  const { stdout, stderr } = await runExample(code as string, 'tws');
  expect(stderr).not.toMatch(/error/i);
  expect(stdout).toMatch(/^server version 193 accounts \[ 'DU1234567' \] next order id 1$/m);
  expect(stdout).toMatch(/^BID \d+(\.\d+)? \d+$/m);
  expect(stdout).toMatch(/^status Filled 100 \/ 100$/m);
  expect(stdout).toMatch(/^filled 100 @ \d+(\.\d+)? exec \S+$/m);
  expect(stdout).toContain('position DU1234567 MSFT 10 400\n');
  expect(stdout).toMatch(/^position DU1234567 AAPL 100 \d+(\.\d+)?$/m);
  expect(stdout).toMatch(/^TWS time \d{4}-\d\d-\d\dT/m);
}, 30_000);
