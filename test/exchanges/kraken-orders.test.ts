/**
 * Kraken add_order: the native order template against the reference builder (JSON.stringify), byte
 * for byte over thousands of random orders and shapes, and the builders' failure paths.
 */
import { describe, expect, it } from 'vitest';

import { buildKrakenAddOrder, buildKrakenCancelOrder, krakenAddOrderSpec, type KrakenOrderShape } from '../../src/exchanges/kraken/orders.js';
import { OrderTemplate } from '../../src/index.js';
import { thrownCode } from '../helpers/errors.js';
import { randomValue, seeded } from '../helpers/random.js';

const TOKEN = 'WOg6IVQ5RfogMzkhH25WOg6IVQ5RqhP+U3ZprQVnh7f';

describe('kraken add_order: template vs reference', () => {
  it('5,000 random orders over random shapes and precisions are byte-identical', () => {
    const rng = seeded(42);
    const symbols = ['BTC/USD', 'ETH/USDT', 'XBT/EUR', 'SOL/USD'];
    let compared = 0;
    for (let round = 0; round < 20; round++) {
      const type = rng() < 0.75 ? 'limit' : 'market';
      const shape: KrakenOrderShape = {
        symbol: symbols[Math.floor(rng() * symbols.length)] as string,
        side: rng() < 0.5 ? 'buy' : 'sell',
        type,
        ...(type === 'limit' && rng() < 0.5 ? { timeInForce: (['gtc', 'ioc', 'fok'] as const)[Math.floor(rng() * 3)] as 'gtc' } : {}),
      };
      const precision = { price: Math.floor(rng() * 9), qty: Math.floor(rng() * 9) };
      const clPrefix = `t${round.toString(36)}-`;
      const reqPrefix = String(1000 + round);
      const t = OrderTemplate.compile(krakenAddOrderSpec(shape, precision, TOKEN, clPrefix, reqPrefix));
      for (let i = 1; i <= 250; i++) {
        const price = randomValue(rng, precision.price);
        const qty = randomValue(rng, precision.qty);
        const got = t.render(price, qty, 0).toString('utf8');
        const want = buildKrakenAddOrder(
          { ...shape, ...(type === 'limit' ? { price } : {}), qty, clientOrderId: `${clPrefix}${i}` },
          precision,
          TOKEN,
          Number(`${reqPrefix}${i}`),
        );
        expect(got).toBe(want);
        compared++;
      }
    }
    expect(compared).toBe(5000);
  });

  it('writes fixed-decimal JSON numbers, never float artefacts or exponents', () => {
    const text = buildKrakenAddOrder(
      { symbol: 'BTC/USD', side: 'buy', type: 'limit', price: 0.1 + 0.2, qty: 0.0000001, clientOrderId: 'a1' },
      { price: 2, qty: 8 },
      TOKEN,
      7,
    );
    expect(text).toBe(
      `{"method":"add_order","params":{"order_type":"limit","side":"buy","symbol":"BTC/USD","limit_price":0.30,"order_qty":0.00000010,"time_in_force":"gtc","cl_ord_id":"a1","token":"${TOKEN}"},"req_id":7}`,
    );
    expect(JSON.parse(text)).toMatchObject({ params: { limit_price: 0.3, order_qty: 1e-7 } });
    const market = buildKrakenAddOrder({ symbol: 'BTC/USD', side: 'sell', type: 'market', qty: 1, clientOrderId: 'm1' }, { price: 1, qty: 4 }, TOKEN, 8);
    expect(JSON.parse(market).params).toEqual({ order_type: 'market', side: 'sell', symbol: 'BTC/USD', order_qty: 1, cl_ord_id: 'm1', token: TOKEN });
  });

  it('refuses bad orders, ids and tokens', () => {
    const p = { price: 1, qty: 4 };
    const ok = { symbol: 'BTC/USD', side: 'buy', type: 'limit', price: 1, qty: 1, clientOrderId: 'x' } as const;
    const code = thrownCode;
    expect(code(() => buildKrakenAddOrder({ ...ok, symbol: 'BTCUSD' }, p, TOKEN, 1))).toBe('INVALID_ARGUMENT');
    expect(code(() => buildKrakenAddOrder({ ...ok, clientOrderId: 'x'.repeat(19) }, p, TOKEN, 1))).toBe('INVALID_ARGUMENT');
    expect(code(() => buildKrakenAddOrder({ ...ok, price: -1 }, p, TOKEN, 1))).toBe('ORDER_VALUE_OUT_OF_RANGE');
    expect(code(() => buildKrakenAddOrder({ ...ok, price: undefined as unknown as number }, p, TOKEN, 1))).toBe('INVALID_ARGUMENT');
    expect(code(() => buildKrakenAddOrder(ok, p, '', 1))).toBe('VENUE_AUTH_FAILED');
    expect(code(() => krakenAddOrderSpec(ok, p, TOKEN, 'way-too-long-prefix', '1000'))).toBe('INVALID_ARGUMENT');
    expect(code(() => krakenAddOrderSpec(ok, p, TOKEN, 'a', '0123'))).toBe('INVALID_ARGUMENT');
    expect(code(() => buildKrakenCancelOrder({}, TOKEN, 1))).toBe('INVALID_ARGUMENT');
    expect(JSON.parse(buildKrakenCancelOrder({ orderId: 'OABCDE-FGHIJ-KLMNOP' }, TOKEN, 3))).toEqual({
      method: 'cancel_order',
      params: { order_id: ['OABCDE-FGHIJ-KLMNOP'], token: TOKEN },
      req_id: 3,
    });
  });
});
