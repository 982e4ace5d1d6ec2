/**
 * Binance orders on the native template path are byte-identical to the reference builder
 * (sign.ts: JSON.stringify + node:crypto) over thousands of random orders of every shape.
 */
import { describe, expect, it } from 'vitest';

import { TemplateOrderSender } from '../../src/exchanges/binance/template-sender.js';
import { buildBinanceOrderPlace, type BinancePrecision } from '../../src/exchanges/binance/sign.js';
import type { OrderRequest } from '../../src/exchanges/common/types.js';
import { OrderTemplate } from '../../src/index.js';
import { seeded } from '../helpers/random.js';


describe('Binance order template', () => {
  it('renders 4,000 random orders byte-identical to buildBinanceOrderPlace', () => {
    const r = seeded(5);
    for (let shape = 0; shape < 16; shape++) {
      const precision: BinancePrecision = { priceDecimals: Math.floor(r() * 9), qtyDecimals: Math.floor(r() * 9) };
      const recvWindow = r() < 0.5 ? 5000 : undefined;
      const sender = new TemplateOrderSender('simkey', 'simsecret', () => precision, recvWindow);
      const type = r() < 0.7 ? 'limit' : 'market';
      const base: OrderRequest = {
        symbol: r() < 0.5 ? 'BTCUSDT' : 'ETHBTC',
        side: r() < 0.5 ? 'buy' : 'sell',
        type,
        qty: 1,
        ...(type === 'limit' ? { price: 1, ...(r() < 0.5 ? { timeInForce: 'ioc' as const } : {}) } : {}),
      };
      const prefix = `tw-test${shape}-`;
      const t = OrderTemplate.compile(sender.spec(base, prefix));
      for (let i = 1; i <= 250; i++) {
        const price = Math.floor(r() * 1e7) / 100 + (r() < 0.3 ? 0.1 + 0.2 : 0);
        const qty = Math.floor(r() * 1e6) / 1e4 + 0.0001;
        const ts = 1_700_000_000_000 + Math.floor(r() * 1e9);
        const order = { ...base, qty, ...(type === 'limit' ? { price } : {}), clientOrderId: `${prefix}${i}` };
        const got = t.render(type === 'limit' ? price : 0, qty, ts).toString();
        const want = buildBinanceOrderPlace(order, precision, { apiKey: 'simkey', secret: 'simsecret', timestamp: ts, ...(recvWindow ? { recvWindow } : {}) });
        expect(got).toBe(want);
      }
    }
  });
});
