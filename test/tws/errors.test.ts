/**
 * How IB's error messages are classified and mapped (the tables in docs/tws.md, "Error codes").
 */
import { describe, expect, it } from 'vitest';

import { codeForIbError, decodeIbText, severityOf } from '../../src/tws/errors.js';

describe('IB error classification', () => {
  it('info: the "connection is OK / restored" notices', () => {
    for (const code of [1102, 2104, 2106, 2107, 2108, 2119, 2158]) expect(severityOf(code), String(code)).toBe('info');
  });

  it('warning: 2100–2169 and the documented codes outside that range', () => {
    for (const code of [2100, 2103, 2105, 2137, 2169, 165, 202, 399, 404, 434, 492, 1100, 1101, 10090, 10167]) {
      expect(severityOf(code), String(code)).toBe('warning');
    }
  });

  it('error: everything else', () => {
    for (const code of [103, 161, 200, 201, 321, 326, 354, 502, 504, 507, 2099, 2170, 10147, 10148]) expect(severityOf(code), String(code)).toBe('error');
  });

  it('maps IB codes to tickwire codes', () => {
    expect(codeForIbError(326, false)).toBe('TWS_CLIENT_ID_IN_USE');
    expect(codeForIbError(502, false)).toBe('TWS_NOT_CONNECTED');
    expect(codeForIbError(504, true)).toBe('TWS_NOT_CONNECTED');
    expect(codeForIbError(507, false)).toBe('TWS_PROTOCOL_ERROR');
    for (const code of [200, 321, 354]) expect(codeForIbError(code, false), String(code)).toBe('TWS_REQUEST_FAILED');
    for (const code of [103, 200, 201]) expect(codeForIbError(code, true), String(code)).toBe('VENUE_ORDER_REJECTED');
  });

  it("decodes IB's \\uXXXX escapes and leaves other text alone", () => {
    expect(decodeIbText('Ordre refus\\u00e9 \\u20ac')).toBe('Ordre refusé €');
    expect(decodeIbText('plain \\n text')).toBe('plain \\n text');
  });
});
