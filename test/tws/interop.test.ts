/**
 * Interop: @stoqey/ib (an independent TWS API client, from npm) talks to the fake TWS over real
 * TCP — handshake, nextValidId / managedAccounts, market data, an order that fills, a cancel,
 * positions, account updates, current time — at several server versions. The fake decodes every
 * request exactly (a field too many or too few is answered with error 320), so this checks the
 * fake's walks, which are the client's walks, against a second implementation.
 */
import { EventName, IBApi, OrderAction, OrderType, Stock, type Contract, type Order } from '@stoqey/ib';
import { afterEach, describe, expect, it } from 'vitest';

import type { FakeTws } from '../../src/sim/tws/index.js';
import { marketOrder, stock } from '../../src/tws/index.js';
import { connected, fake, next, type Emitter } from './helpers.js';

const aapl = new Stock('AAPL') as unknown as Contract;

/** The next `event` from @stoqey/ib (its emitter, typed by EventName). */
function on<T extends unknown[]>(ib: IBApi, event: EventName, pred: (...args: T) => boolean = () => true): Promise<T> {
  return next<T>(ib as unknown as Emitter, event, pred);
}

describe('@stoqey/ib against the fake TWS', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const f of cleanup.splice(0).reverse()) await f();
  });

  for (const sv of [157, 166, 176, 187, 190, 193]) {
    it(`server version ${sv}: handshake, ticks, an order that fills, a cancel, positions, account, time`, async () => {
      const f: FakeTws = await fake({ serverVersion: sv, accounts: ['DU111', 'DU222'], nextOrderId: 10, positions: [{ symbol: 'MSFT', position: 3, avgCost: 400, account: 'DU222' }] });
      cleanup.push(() => f.close());
      const ib = new IBApi({ host: '127.0.0.1', port: f.port });
      cleanup.push(() => void ib.disconnect());
      const errors: Array<[string, number, number]> = [];
      const infos: number[] = [];
      ib.on(EventName.error, (err: Error, code: number, reqId: number) => errors.push([err.message, code, reqId]));
      ib.on(EventName.info, (_m: string, code: number) => infos.push(code));

      const server = on<[number, string]>(ib, EventName.server);
      const accounts = on<[string]>(ib, EventName.managedAccounts);
      const nextId = on<[number]>(ib, EventName.nextValidId);
      ib.connect(7);
      expect((await server)[0]).toBe(sv);
      expect((await accounts)[0]).toBe('DU111,DU222');
      expect((await nextId)[0]).toBe(10);
      expect(f.clients()).toEqual([{ clientId: 7, serverVersion: sv, offered: 'v100..193' }]);

      // market data
      const prices: Array<[number, number]> = [];
      const enough = new Promise<void>((resolve) =>
        ib.on(EventName.tickPrice, (reqId: number, type: number, price: number) => {
          if (reqId === 1) prices.push([type, price]);
          if (prices.length === 10) resolve();
        }),
      );
      const mdType = on<[number, number]>(ib, EventName.marketDataType);
      ib.reqMktData(1, aapl, '', false, false);
      await enough;
      expect((await mdType)[1]).toBe(1);
      expect(prices.map(([t]) => t)).toEqual(expect.arrayContaining([1, 2, 4]));
      for (const [, p] of prices) expect(p).toBeGreaterThan(150);
      ib.cancelMktData(1);

      // an order that fills
      const opens: string[] = [];
      ib.on(EventName.openOrder, (id: number, c: Contract, o: Order, state: { status: string }) => {
        if (id === 10) {
          opens.push(state.status);
          expect([c.symbol, o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.account]).toEqual(['AAPL', 'BUY', 5, 'LMT', 500, 'DU222']);
        }
      });
      const exec = on<[number, Contract, { shares: number; side: string; price: number }]>(ib, EventName.execDetails);
      const filled = on<[number, string, number, number, number]>(ib, EventName.orderStatus, (_id, status) => status === 'Filled');
      const commission = on<[{ commission: number }]>(ib, EventName.commissionReport);
      ib.placeOrder(10, aapl, { action: OrderAction.BUY, orderType: OrderType.LMT, lmtPrice: 500, totalQuantity: 5, account: 'DU222', tif: 'DAY', transmit: true } as Order);
      const [, execContract, execution] = await exec;
      expect([execContract.symbol, execution.shares, execution.side]).toEqual(['AAPL', 5, 'BOT']);
      const [orderId, status, filledQty, remaining, avgPrice] = await filled;
      expect([orderId, status, filledQty, remaining]).toEqual([10, 'Filled', 5, 0]);
      expect(avgPrice).toBe(execution.price);
      expect((await commission)[0].commission).toBe(1);
      expect(opens).toEqual(['Submitted', 'Filled']);

      // a resting order, cancelled
      const cancelled = on(ib, EventName.orderStatus, (_id: number, st: string) => st === 'Cancelled');
      ib.placeOrder(11, aapl, { action: OrderAction.SELL, orderType: OrderType.LMT, lmtPrice: 10_000, totalQuantity: 1, account: 'DU222', outsideRth: true, orderRef: 'r', transmit: true } as Order);
      await on(ib, EventName.orderStatus, (id: number) => id === 11);
      ib.cancelOrder(11);
      await cancelled;

      // positions, account updates, time
      const positions: Array<[string, string, number]> = [];
      ib.on(EventName.position, (acct: string, c: Contract, pos: number) => positions.push([acct, c.symbol as string, pos]));
      const posEnd = on(ib, EventName.positionEnd);
      ib.reqPositions();
      await posEnd;
      expect(positions).toEqual([
        ['DU222', 'MSFT', 3],
        ['DU222', 'AAPL', 5],
      ]);
      const values = new Map<string, string>();
      ib.on(EventName.updateAccountValue, (k: string, v: string) => values.set(k, v));
      const portfolio: string[] = [];
      ib.on(EventName.updatePortfolio, (c: Contract) => portfolio.push(c.symbol as string));
      const downloaded = on<[string]>(ib, EventName.accountDownloadEnd);
      ib.reqAccountUpdates(true, 'DU222');
      expect((await downloaded)[0]).toBe('DU222');
      expect(values.get('AccountCode')).toBe('DU222');
      expect(portfolio).toEqual(['MSFT', 'AAPL']);
      const time = on<[number]>(ib, EventName.currentTime);
      ib.reqCurrentTime();
      expect((await time)[0]).toBeGreaterThan(1_000_000_000);

      expect(infos).toEqual(expect.arrayContaining([2104, 2106, 2158]));
      // the only error TWS sent is the cancel confirmation; no 320 (request not understood), no decoding errors
      expect(errors.map(([, code, reqId]) => [code, reqId])).toEqual([[202, 11]]);
      expect([...f.counts.keys()].filter((k) => k.startsWith('msg'))).toEqual([]);
    });
  }

  it('@stoqey/ib and the tickwire client on one fake TWS at the same time', async () => {
    const f = await fake();
    cleanup.push(() => f.close());
    const ib = new IBApi({ host: '127.0.0.1', port: f.port });
    cleanup.push(() => void ib.disconnect());
    const ready = on(ib, EventName.nextValidId);
    ib.connect(1);
    await ready;
    const tw = await connected(f, 'epoll', { clientId: 2 });
    cleanup.push(() => tw.disconnect());
    const fill = await tw.placeOrder(stock('AAPL'), marketOrder('BUY', 2)).filled;
    expect(fill.filled).toBe(2);
    // stoqey sees the new position (positions are per account, not per client)
    const positions: number[] = [];
    ib.on(EventName.position, (_a: string, _c: Contract, pos: number) => positions.push(pos));
    const end = on(ib, EventName.positionEnd);
    ib.reqPositions();
    await end;
    expect(positions).toEqual([2]);
    expect(f.clients().map((c) => c.clientId).sort()).toEqual([1, 2]);
  });
});
