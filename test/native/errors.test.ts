import { describe, expect, it } from 'vitest';

import { TickwireError } from '../../src/index.js';
import { binding, statusNames } from '../../src/native/binding.js';
import { nativeError } from '../../src/native/status.js';

describe('TickwireError', () => {
  it('is an Error with a stable code, a name and an optional cause', () => {
    const cause = new Error('root');
    const e = new TickwireError('INVALID_ARGUMENT', 'bad', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('TickwireError');
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.cause).toBe(cause);
    expect(String(e.stack)).toContain('bad');
  });

  it('the addon names every core status, and names are unique', () => {
    const statuses = binding.statuses();
    expect(statuses).toMatchObject({ OK: 0, INVAL: -1, BUFFER_TOO_SMALL: -2, WS_RSV: -100, WS_INVALID_UTF8: -111, WS_TOO_BIG: -112 });
    expect(new Set(Object.values(statuses)).size).toBe(Object.keys(statuses).length);
    for (const [name, status] of Object.entries(statuses)) {
      expect(statusNames.get(status)).toBe(name);
      expect(binding.statusMessage(status)).not.toBe('unknown status');
    }
  });

  it('maps WebSocket statuses to codes and the close code RFC 6455 calls for', () => {
    const expectations: Array<[string, string, number]> = [
      ['WS_RSV', 'WS_PROTOCOL_ERROR', 1002],
      ['WS_OPCODE', 'WS_PROTOCOL_ERROR', 1002],
      ['WS_MASKED', 'WS_PROTOCOL_ERROR', 1002],
      ['WS_CLOSE_CODE', 'WS_PROTOCOL_ERROR', 1002],
      ['WS_INVALID_UTF8', 'WS_INVALID_UTF8', 1007],
      ['WS_TOO_BIG', 'WS_MESSAGE_TOO_BIG', 1009],
    ];
    const statuses = binding.statuses();
    for (const [name, code, closeCode] of expectations) {
      const status = statuses[name] as number;
      const e = nativeError(status, 'frame');
      expect(e.code).toBe(code);
      expect(e.reason).toBe(name);
      expect(e.status).toBe(status);
      expect(e.closeCode).toBe(closeCode);
      expect(e.message).toMatch(/^frame: /);
    }
  });

  it('maps argument statuses without a close code, and unknown statuses to INTERNAL', () => {
    expect(nativeError(-2, 'x').code).toBe('BUFFER_TOO_SMALL');
    expect(nativeError(-2, 'x').closeCode).toBeUndefined();
    expect(nativeError(-1, 'x').code).toBe('INVALID_ARGUMENT');
    const unknown = nativeError(-999, 'x');
    expect(unknown.code).toBe('INTERNAL');
    expect(unknown.reason).toBe('UNKNOWN');
  });
});
