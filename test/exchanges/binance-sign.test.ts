/**
 * The Binance reference request builders (pure: params → exact bytes) and the decimal rule they
 * share with the native order templates.
 */
import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import {
  binanceOrderParams,
  binanceSign,
  binanceSigningPayload,
  buildBinanceOrderCancel,
  buildBinanceOrderPlace,
  buildBinanceSignedRequest,
  formatDecimal,
  type ResolvedOrder,
} from '../../src/index.js';
import { thrownCode } from '../helpers/errors.js';
import { Rng } from '../helpers/random.js';

const code = thrownCode;

describe('Binance signing', () => {
  it("reproduces the documentation's HMAC test vector (payload and signature)", () => {
    const params = {
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'LIMIT',
      timeInForce: 'GTC',
      quantity: '0.01000000',
      price: '52000.00',
      recvWindow: 100,
      timestamp: 1645423376532,
      apiKey: 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A',
    };
    const secret = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
    expect(binanceSigningPayload(params)).toBe(
      'apiKey=vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT',
    );
    expect(binanceSign(params, secret)).toBe('aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24');
    // The signature param itself is never signed.
    expect(binanceSign({ ...params, signature: 'x' }, secret)).toBe('aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24');
  });

  it('builds the signed request in the fixed layout: sorted params, signature last', () => {
    const text = buildBinanceSignedRequest('r1', 'order.cancel', { symbol: 'BTCUSDT', timestamp: 5, apiKey: 'k', origClientOrderId: 'abc' }, 's');
    const sig = createHmac('sha256', 's').update('apiKey=k&origClientOrderId=abc&symbol=BTCUSDT&timestamp=5').digest('hex');
    expect(text).toBe(`{"id":"r1","method":"order.cancel","params":{"apiKey":"k","origClientOrderId":"abc","symbol":"BTCUSDT","timestamp":5,"signature":"${sig}"}}`);
  });

  const order: ResolvedOrder = { symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 0.1 + 0.2, qty: 1.5, clientOrderId: 'tw-1' };
  const ctx = { apiKey: 'simkey', secret: 'simsecret', timestamp: 1700000000000 };

  it('order.place: the exact bytes for a known order (0.1 + 0.2 goes out as 0.30000000)', () => {
    const payload =
      'apiKey=simkey&newClientOrderId=tw-1&newOrderRespType=RESULT&price=0.30000000&quantity=1.50000000&side=BUY&symbol=BTCUSDT&timeInForce=GTC&timestamp=1700000000000&type=LIMIT';
    const sig = createHmac('sha256', 'simsecret').update(payload).digest('hex');
    expect(buildBinanceOrderPlace(order, { priceDecimals: 8, qtyDecimals: 8 }, ctx)).toBe(
      `{"id":"tw-1","method":"order.place","params":{"apiKey":"simkey","newClientOrderId":"tw-1","newOrderRespType":"RESULT","price":"0.30000000","quantity":"1.50000000","side":"BUY","symbol":"BTCUSDT","timeInForce":"GTC","timestamp":1700000000000,"type":"LIMIT","signature":"${sig}"}}`,
    );
  });

  it('is deterministic: the same input gives the same bytes, any change gives other bytes', () => {
    const rng = new Rng(42n);
    for (let i = 0; i < 2000; i++) {
      const o: ResolvedOrder = {
        symbol: 'ETHUSDT',
        side: rng.int(2) ? 'buy' : 'sell',
        type: rng.int(2) ? 'limit' : 'market',
        qty: rng.int(1_000_000) / 1000 + 0.001,
        clientOrderId: `c${rng.int(1e9)}`,
      };
      if (o.type === 'limit') {
        o.price = rng.int(10_000_000) / 100 + 0.01;
        o.timeInForce = (['gtc', 'ioc', 'fok'] as const)[rng.int(3)] as 'gtc';
      }
      const c = { ...ctx, timestamp: ctx.timestamp + rng.int(1e6), ...(rng.int(2) ? { recvWindow: 1 + rng.int(60_000) } : {}) };
      const p = { priceDecimals: 2, qtyDecimals: 3 };
      const a = buildBinanceOrderPlace({ ...o }, { ...p }, { ...c });
      expect(buildBinanceOrderPlace({ ...o }, { ...p }, { ...c })).toBe(a);
      expect(buildBinanceOrderPlace({ ...o }, p, { ...c, timestamp: c.timestamp + 1 })).not.toBe(a);
      // And the signature in it verifies over the params it carries.
      const req = JSON.parse(a) as { id: string; params: Record<string, string | number> };
      expect(req.id).toBe(o.clientOrderId);
      const { signature, ...rest } = req.params;
      expect(Object.keys(rest)).toEqual(Object.keys(rest).sort());
      expect(signature).toBe(createHmac('sha256', 'simsecret').update(binanceSigningPayload(rest)).digest('hex'));
    }
  });

  it('order.cancel by client id or venue id, and its argument checks', () => {
    expect(buildBinanceOrderCancel('x1', { symbol: 'BTCUSDT', orderId: '42' }, ctx)).toContain('"orderId":42,');
    expect(buildBinanceOrderCancel('x1', { symbol: 'BTCUSDT', clientOrderId: 'tw-1' }, ctx)).toContain('"origClientOrderId":"tw-1"');
    expect(code(() => buildBinanceOrderCancel('x1', { symbol: 'BTCUSDT' }, ctx))).toBe('INVALID_ARGUMENT');
    expect(code(() => buildBinanceOrderCancel('x1', { symbol: 'BTCUSDT', orderId: '4x' }, ctx))).toBe('INVALID_ARGUMENT');
  });

  it('refuses orders Binance would refuse, before sending', () => {
    const p = { priceDecimals: 2, qtyDecimals: 3 };
    const c = { apiKey: 'k', timestamp: 1 };
    expect(code(() => binanceOrderParams({ ...order, price: undefined as unknown as number }, p, c))).toBe('INVALID_ARGUMENT');
    expect(code(() => binanceOrderParams({ ...order, type: 'market' }, p, c))).toBe('INVALID_ARGUMENT');
    expect(code(() => binanceOrderParams({ ...order, clientOrderId: 'has space' }, p, c))).toBe('INVALID_ARGUMENT');
    expect(code(() => binanceOrderParams({ ...order, clientOrderId: 'x'.repeat(37) }, p, c))).toBe('INVALID_ARGUMENT');
    expect(code(() => binanceOrderParams({ ...order, symbol: 'btc-usdt' }, p, c))).toBe('INVALID_ARGUMENT');
    expect(code(() => binanceOrderParams({ ...order, qty: -1 }, p, c))).toBe('ORDER_VALUE_OUT_OF_RANGE');
    expect(code(() => binanceOrderParams({ ...order, price: Number.NaN }, p, c))).toBe('ORDER_VALUE_OUT_OF_RANGE');
  });
});

describe('formatDecimal', () => {
  it('rounds half up at the given decimals, never prints float noise or exponents', () => {
    expect(formatDecimal(0.1 + 0.2, 8)).toBe('0.30000000');
    expect(formatDecimal(23416.1, 8)).toBe('23416.10000000');
    expect(formatDecimal(1e-7, 8)).toBe('0.00000010');
    expect(formatDecimal(5e-9, 8)).toBe('0.00000001');
    expect(formatDecimal(4e-9, 8)).toBe('0.00000000');
    expect(formatDecimal(2.5, 0)).toBe('3');
    expect(formatDecimal(123456789, 2)).toBe('123456789.00');
    expect(formatDecimal(0, 3)).toBe('0.000');
  });

  it('round-trips every value that is a whole number of units', () => {
    const rng = new Rng(7n);
    for (let i = 0; i < 20_000; i++) {
      const d = rng.int(9);
      const units = rng.next() * 2 ** 20 * (1 + rng.int(1 << 20));
      const scaled = Math.floor(units) % 2 ** 50;
      const text = formatDecimal(scaled / 10 ** d, d);
      expect(text.replace('.', '').replace(/^0+(?=\d)/, '')).toBe(String(scaled));
    }
  });

  it('refuses what it cannot print exactly', () => {
    expect(code(() => formatDecimal(-0.5, 2))).toBe('ORDER_VALUE_OUT_OF_RANGE');
    expect(code(() => formatDecimal(Infinity, 2))).toBe('ORDER_VALUE_OUT_OF_RANGE');
    expect(code(() => formatDecimal(1e12, 8))).toBe('ORDER_VALUE_OUT_OF_RANGE');
    expect(code(() => formatDecimal(1, 19))).toBe('INVALID_ARGUMENT');
    expect(code(() => formatDecimal(1, 1.5))).toBe('INVALID_ARGUMENT');
  });
});
