/**
 * Bybit order.create: the native order template against the reference builder (JSON.stringify),
 * byte for byte over thousands of random orders, shapes and precisions; the auth signature
 * against Bybit's rule and HmacSigner; the builders' failure paths.
 */
import { createHmac } from 'node:crypto';

import { describe, expect, it } from 'vitest';

import { buildBybitAuth, buildBybitOrderCancel, buildBybitOrderCreate, bybitAuthSignature, bybitOrderCreateSpec, type BybitOrderShape } from '../../src/exchanges/bybit/orders.js';
import { HmacSigner, OrderTemplate } from '../../src/index.js';
import { thrownCode } from '../helpers/errors.js';
import { randomValue, seeded } from '../helpers/random.js';

describe('bybit order.create: template vs reference', () => {
  it('5,000 random orders over random shapes, precisions and timestamps are byte-identical', () => {
    const rng = seeded(5);
    const symbols = ['BTCUSDT', 'ETHUSDT', 'SOLUSDC'];
    let compared = 0;
    for (let round = 0; round < 20; round++) {
      const type = rng() < 0.75 ? 'limit' : 'market';
      const shape: BybitOrderShape = {
        symbol: symbols[Math.floor(rng() * symbols.length)] as string,
        side: rng() < 0.5 ? 'buy' : 'sell',
        type,
        ...(type === 'limit' && rng() < 0.5 ? { timeInForce: (['gtc', 'ioc', 'fok'] as const)[Math.floor(rng() * 3)] as 'gtc' } : {}),
      };
      const precision = { priceDecimals: Math.floor(rng() * 9), qtyDecimals: Math.floor(rng() * 9) };
      const prefix = `tw1a2b-${round.toString(36)}-`;
      const recvWindow = 1000 + Math.floor(rng() * 9000);
      const t = OrderTemplate.compile(bybitOrderCreateSpec(shape, precision, prefix, recvWindow));
      for (let i = 1; i <= 250; i++) {
        const price = randomValue(rng, precision.priceDecimals);
        const qty = randomValue(rng, precision.qtyDecimals);
        const ts = 1_700_000_000_000 + Math.floor(rng() * 1e10);
        const got = t.render(price, qty, ts).toString('utf8');
        const want = buildBybitOrderCreate({ ...shape, ...(type === 'limit' ? { price } : {}), qty, clientOrderId: `${prefix}${i}` }, precision, ts, recvWindow);
        expect(got).toBe(want);
        compared++;
      }
    }
    expect(compared).toBe(5000);
  });

  it('has the documented layout, decimal strings and no float artefacts', () => {
    const text = buildBybitOrderCreate(
      { symbol: 'ETHUSDT', side: 'buy', type: 'limit', price: 0.1 + 0.2, qty: 0.2, clientOrderId: 'test-005' },
      { priceDecimals: 2, qtyDecimals: 3 },
      1711001595207,
      8000,
    );
    expect(text).toBe(
      '{"reqId":"test-005","header":{"X-BAPI-TIMESTAMP":"1711001595207","X-BAPI-RECV-WINDOW":"8000"},"op":"order.create","args":[{"category":"spot","symbol":"ETHUSDT","side":"Buy","orderType":"Limit","qty":"0.200","price":"0.30","timeInForce":"GTC","orderLinkId":"test-005"}]}',
    );
    const market = JSON.parse(buildBybitOrderCreate({ symbol: 'BTCUSDT', side: 'sell', type: 'market', qty: 1, clientOrderId: 'm' }, { priceDecimals: 2, qtyDecimals: 2 }, 1));
    expect(market.args[0]).toEqual({ category: 'spot', symbol: 'BTCUSDT', side: 'Sell', orderType: 'Market', qty: '1.00', orderLinkId: 'm' });
  });

  it('the auth signature is hex HMAC-SHA256 of GET/realtime<expires>, the same with HmacSigner', () => {
    // protocols.md §4.5, a locally composed example.
    expect(bybitAuthSignature('test-secret', 1662350400000)).toBe('f072aab6fa18cd774da998325df6cfc87c3ccf10d5722e6b43b570c5feaf6172');
    expect(new HmacSigner('test-secret').hex('GET/realtime1662350400000')).toBe(createHmac('sha256', 'test-secret').update('GET/realtime1662350400000').digest('hex'));
    expect(JSON.parse(buildBybitAuth('a1', 'key', 5, 'sig'))).toEqual({ req_id: 'a1', op: 'auth', args: ['key', 5, 'sig'] });
  });

  it('refuses bad orders, ids and prefixes', () => {
    const p = { priceDecimals: 2, qtyDecimals: 2 };
    const ok = { symbol: 'BTCUSDT', side: 'buy', type: 'limit', price: 1, qty: 1, clientOrderId: 'x' } as const;
    const code = thrownCode;
    expect(code(() => buildBybitOrderCreate({ ...ok, symbol: 'BTC/USDT' }, p, 1))).toBe('INVALID_ARGUMENT');
    expect(code(() => buildBybitOrderCreate({ ...ok, clientOrderId: 'x'.repeat(37) }, p, 1))).toBe('INVALID_ARGUMENT');
    expect(code(() => buildBybitOrderCreate({ ...ok, qty: Number.NaN }, p, 1))).toBe('ORDER_VALUE_OUT_OF_RANGE');
    expect(code(() => buildBybitOrderCreate({ ...ok, type: 'market' }, p, 1))).toBe('INVALID_ARGUMENT');
    expect(code(() => buildBybitOrderCreate(ok, p, 1, 0))).toBe('INVALID_ARGUMENT');
    expect(code(() => bybitOrderCreateSpec(ok, p, 'bad"prefix'))).toBe('INVALID_ARGUMENT');
    expect(code(() => buildBybitOrderCancel('c1', { symbol: 'BTCUSDT' }, 1))).toBe('INVALID_ARGUMENT');
    expect(JSON.parse(buildBybitOrderCancel('c1', { symbol: 'BTCUSDT', orderId: 'abc' }, 7))).toEqual({
      reqId: 'c1',
      header: { 'X-BAPI-TIMESTAMP': '7', 'X-BAPI-RECV-WINDOW': '5000' },
      op: 'order.cancel',
      args: [{ category: 'spot', symbol: 'BTCUSDT', orderId: 'abc' }],
    });
  });
});
