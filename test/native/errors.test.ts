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
    expect(statuses).toMatchObject({ OK: 0, INVAL: -5001, BUFFER_TOO_SMALL: -5002, WS_RSV: -5100, WS_INVALID_UTF8: -5111, WS_TOO_BIG: -5112 });
    // tickwire's codes never collide with a syscall's -errno (-1..-4095)
    for (const status of Object.values(statuses)) expect(status === 0 || status < -4095).toBe(true);
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

  it('reports a syscall -errno as SYSTEM_ERROR named after the errno', () => {
    const e = nativeError(-101, 'connect');
    expect(e.code).toBe('SYSTEM_ERROR');
    expect(e.reason).toBe('ENETUNREACH');
    expect(e.status).toBe(-101);
    expect(e.message).toBe('connect: ENETUNREACH');
    expect(binding.statusMessage(-101)).toMatch(/system call/);
  });

  it('reports a refused connect (-ECONNREFUSED) as CONN_REFUSED, with the errno as reason', () => {
    const e = nativeError(-111, 'connect');
    expect(e.code).toBe('CONN_REFUSED');
    expect(e.reason).toBe('ECONNREFUSED');
    expect(e.status).toBe(-111);
    expect(e.message).toMatch(/^connect: connection refused \(ECONNREFUSED/);
  });

  it('maps argument statuses without a close code, and unknown statuses to INTERNAL', () => {
    expect(nativeError(-5002, 'x').code).toBe('BUFFER_TOO_SMALL');
    expect(nativeError(-5002, 'x').closeCode).toBeUndefined();
    expect(nativeError(-5001, 'x').code).toBe('INVALID_ARGUMENT');
    const unknown = nativeError(-9999, 'x');
    expect(unknown.code).toBe('INTERNAL');
    expect(unknown.reason).toBe('UNKNOWN');
  });
});
