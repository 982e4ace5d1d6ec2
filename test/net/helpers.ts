import { expect } from 'vitest';

import { TickwireError } from '../../src/index.js';

/** Awaits `p`, expecting it to reject with a TickwireError of `code`; returns the error. */
export async function expectCode(p: Promise<unknown>, code: string): Promise<TickwireError> {
  const err = await p.then(
    () => new Error('succeeded, but should have failed'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TickwireError);
  expect((err as TickwireError).code).toBe(code);
  return err as TickwireError;
}
