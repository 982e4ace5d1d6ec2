/** Assertions on thrown errors shared by the tests. */
import { expect } from 'vitest';

import { TickwireError } from '../../src/index.js';

/** The code of the TickwireError `fn` throws (failing the test if it throws anything else); undefined if it does not throw. */
export function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TickwireError);
    return (e as TickwireError).code;
  }
  return undefined;
}
