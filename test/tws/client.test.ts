/**
 * The TWS client against the fake TWS on loopback, over the native transport (both backends):
 * market data, orders, positions, account updates, errors, fault injection, reconnect.
 */
import { describe, expect, it } from 'vitest';

import {
  forex,
  future,
  limitOrder,
  marketOrder,
  option,
  stock,
  TwsError,
  type AccountUpdate,
  type OrderStatusUpdate,
  type Tick,
  type TwsClient,
} from '../../src/tws/index.js';
import { cleanupAfterEach, client, connected, fake, FAST_RECONNECT, next, rejects, throws, TRANSPORTS } from './helpers.js';

for (const transport of TRANSPORTS) {
  describe(`TWS client over ${transport}`, () => {
    const { track } = cleanupAfterEach();
    /** Collects ticks until `n` have arrived. */
    const ticks = (ib: TwsClient, contract: Parameters<TwsClient['marketData']>[0], n: number) =>
      new Promise<{ ticks: Tick[]; reqId: number; cancel(): void }>((resolve) => {
        const got: Tick[] = [];
        const sub = ib.marketData(contract, (t) => {
          got.push(t);
          if (got.length === n) resolve({ ticks: got, reqId: sub.reqId, cancel: () => sub.cancel() });
        });
      });

    it('streams market data: named price ticks with the size ticks the official decoder derives', async () => {
      const f = track(await fake({ seed: 3 }));
      const ib = track(await connected(f, transport));
      const events: Array<[number, number]> = [];
      ib.on('tickPrice', (reqId, tickType) => events.push([reqId, tickType]));
      const { ticks: got, reqId, cancel } = await ticks(ib, stock('AAPL'), 40);
      const names = got.map((t) => t.name);
      for (const n of ['BID', 'BID_SIZE', 'ASK', 'ASK_SIZE', 'LAST', 'LAST_SIZE', 'VOLUME', 'HIGH', 'LOW', 'CLOSE', 'OPEN', 'LAST_TIMESTAMP']) expect(names).toContain(n);
      const bid = got.find((t) => t.name === 'BID');
      expect(bid?.kind).toBe('price');
      if (bid?.kind === 'price') {
        expect(bid.price).toBeGreaterThan(150);
        expect(bid.attribs.canAutoExecute).toBe(true);
        expect(bid.size).toBeGreaterThan(0);
      }
      expect(got.every((t) => t.reqId === reqId)).toBe(true);
      expect(events.length).toBeGreaterThan(0);
      const cancelled = next<[{ name: string; fields: string[] }]>(f, 'request', (r) => r.name === 'cancelMktData');
      cancel();
      expect((await cancelled)[0].fields).toEqual(['2', '2', String(reqId)]);
    });

    it('market data for futures, options and forex; a snapshot ends by itself', async () => {
      const f = track(await fake());
      const ib = track(await connected(f, transport));
      for (const c of [future('ES', '202612', 'CME'), option('AAPL', '20261218', 200, 'C'), forex('EUR.USD')]) {
        const { ticks: got, cancel } = await ticks(ib, c, 5);
        expect(got.some((t) => t.name === 'BID')).toBe(true);
        cancel();
      }
      const end = next(f, 'request', (r: { name: string; fields: string[] }) => r.name === 'reqMktData' && r.fields.at(-3) === '1');
      let snapTicks = 0;
      const snap = ib.marketData(stock('MSFT'), () => snapTicks++, { snapshot: true });
      await end;
      // The fake answers with ticks and tickSnapshotEnd at once: a round trip later the client has
      // read them, and the ended snapshot is no longer a subscription (cancel() sends nothing).
      await ib.reqCurrentTime();
      expect(snapTicks).toBeGreaterThan(0);
      const cancels = f.counts.get('cancelMktData');
      snap.cancel();
      await ib.reqCurrentTime();
      expect(f.counts.get('cancelMktData')).toBe(cancels);
    });

    it('unknown contract → error 200 to the subscription (TWS_REQUEST_FAILED), the subscription is gone', async () => {
      const f = track(await fake());
      const ib = track(await connected(f, transport));
      const err = await new Promise<TwsError>((resolve) => ib.marketData(stock('NOPE'), () => undefined, { onError: resolve }));
      expect(err.code).toBe('TWS_REQUEST_FAILED');
      expect(err.ibCode).toBe(200);
      expect(err.severity).toBe('error');
      expect(err.message).toContain('No security definition');
      // without onError, the client's 'error' event carries it
      const onClient = next<[TwsError]>(ib, 'error');
      ib.marketData(stock('NOPE2'), () => undefined);
      expect((await onClient)[0].ibCode).toBe(200);
    });

    it('places a market order: Submitted → Filled, executions with commission, openOrder events', async () => {
      const f = track(await fake({ nextOrderId: 100 }));
      const ib = track(await connected(f, transport));
      const statuses: OrderStatusUpdate[] = [];
      const opens: string[] = [];
      ib.on('openOrder', (o) => opens.push(o.orderState.status));
      // the fake sends execDetails, orderStatus Filled, openOrder Filled, commissionReport in a row
      const commission = next(ib, 'commissionReport');
      const order = ib.placeOrder(stock('AAPL'), marketOrder('BUY', 100, { orderRef: 'tw-1' }));
      expect(order.orderId).toBe(100);
      expect(ib.nextOrderId).toBe(101);
      order.on('status', (s) => statuses.push(s));
      const fill = await order.filled;
      await commission;
      expect(fill.orderId).toBe(100);
      expect(fill.filled).toBe(100);
      expect(fill.avgFillPrice).toBeGreaterThan(150);
      expect(fill.executions).toHaveLength(1);
      expect(fill.executions[0]).toMatchObject({ orderId: 100, side: 'BOT', shares: 100, orderRef: 'tw-1', account: 'DU1234567', commission: 1, commissionCurrency: 'USD' });
      expect(fill.executions[0]?.contract.symbol).toBe('AAPL');
      expect(statuses.map((s) => s.status)).toEqual(['Submitted', 'Filled']);
      expect(opens).toEqual(['Submitted', 'Filled']);
      expect(order.done).toBe(true);
      expect(f.orders()).toEqual([{ orderId: 100, clientId: ib.clientId, status: 'Filled', filled: 100, avgPrice: fill.avgFillPrice }]);
    });

    it('partial fills are reported as statuses and executions before the fill resolves', async () => {
      const f = track(await fake({ faults: { partialFills: true } }));
      const ib = track(await connected(f, transport));
      const commissions = new Promise<void>((resolve) => {
        let n = 0;
        ib.on('commissionReport', () => ++n === 2 && resolve());
      });
      const order = ib.placeOrder(future('ES', '202612', 'CME'), marketOrder('SELL', 3));
      const statuses: Array<[string, number, number]> = [];
      order.on('status', (s: OrderStatusUpdate) => statuses.push([s.status, s.filled, s.remaining]));
      const fill = await order.filled;
      await commissions;
      expect(fill.executions.map((e) => [e.shares, e.cumQty, e.side])).toEqual([
        [1, 1, 'SLD'],
        [2, 3, 'SLD'],
      ]);
      expect(statuses).toEqual([
        ['Submitted', 0, 3],
        ['Submitted', 1, 2],
        ['Filled', 3, 0],
      ]);
    });

    it('a resting limit order can be cancelled: filled rejects, 202 arrives as a warning', async () => {
      const f = track(await fake());
      const ib = track(await connected(f, transport));
      const order = ib.placeOrder(stock('AAPL'), limitOrder('BUY', 10, 1));
      await next(order, 'status');
      // an error about a cancel request (161) does not end the order
      ib.on('error', () => undefined);
      const e161 = next<[TwsError]>(order, 'error');
      f.sendError(order.orderId, 161, 'Cancel attempted when order is not in a cancellable state.');
      expect((await e161)[0].ibCode).toBe(161);
      expect(order.done).toBe(false);
      const warning = next<[TwsError]>(ib, 'warning');
      order.cancel();
      const err = await rejects(order.filled, 'VENUE_ORDER_REJECTED');
      expect(err.message).toContain('cancelled');
      expect(order.status).toBe('Cancelled');
      expect((await warning)[0].ibCode).toBe(202);
      // cancelling again: TWS answers 10147 (not found)
      ib.removeAllListeners('error');
      const notFound = next<[TwsError]>(ib, 'error');
      ib.cancelOrder(order.orderId);
      expect((await notFound)[0].ibCode).toBe(10147);
    });

    it('rejected orders: 201 and 200 reject `filled` with the IB code', async () => {
      const f = track(await fake());
      const ib = track(await connected(f, transport));
      ib.on('error', () => undefined);
      const unknown = ib.placeOrder(stock('NOPE'), marketOrder('BUY', 1));
      const e200 = await rejects(unknown.filled, 'VENUE_ORDER_REJECTED');
      expect((e200 as TwsError).ibCode).toBe(200);
      f.faults.rejectOrders = true;
      const rejected = ib.placeOrder(stock('AAPL'), marketOrder('BUY', 1));
      const onOrder = next<[TwsError]>(rejected, 'error');
      const e201 = await rejects(rejected.filled, 'VENUE_ORDER_REJECTED');
      expect((e201 as TwsError).ibCode).toBe(201);
      expect((await onOrder)[0].reqId).toBe(rejected.orderId);
    });

    it('positions(), account updates and reqCurrentTime', async () => {
      const f = track(await fake({ positions: [{ symbol: 'AAPL', position: 10, avgCost: 150 }, { symbol: 'ES', position: -1, avgCost: 250_000 }] }));
      const ib = track(await connected(f, transport));
      const before = await ib.positions();
      expect(before.map((p) => [p.account, p.contract.symbol, p.contract.secType, p.position, p.avgCost])).toEqual([
        ['DU1234567', 'AAPL', 'STK', 10, 150],
        ['DU1234567', 'ES', 'FUT', -1, 250_000],
      ]);
      await ib.placeOrder(stock('AAPL'), marketOrder('BUY', 5)).filled;
      const after = await ib.positions();
      expect(after.find((p) => p.contract.symbol === 'AAPL')?.position).toBe(15);
      const updates: AccountUpdate[] = [];
      const end = new Promise<void>((resolve) => {
        ib.accountUpdates('', (u) => {
          updates.push(u);
          if (u.kind === 'end') resolve();
        });
      });
      await end;
      const values = new Map(updates.flatMap((u) => (u.kind === 'value' ? [[u.value.key, u.value.value]] : [])));
      expect(Number(values.get('NetLiquidation'))).toBeGreaterThan(0);
      expect(values.get('AccountCode')).toBe('DU1234567');
      const portfolio = updates.flatMap((u) => (u.kind === 'portfolio' ? [u.item] : []));
      expect(portfolio.map((p) => [p.contract.symbol, p.position])).toEqual([
        ['AAPL', 15],
        ['ES', -1],
      ]);
      // a fill while subscribed pushes the new portfolio line
      const pushed = next<[{ contract: { symbol: string }; position: number }]>(ib, 'updatePortfolio');
      await ib.placeOrder(stock('AAPL'), marketOrder('SELL', 15)).filled;
      expect((await pushed)[0].position).toBe(0);
      expect(await ib.reqCurrentTime()).toBeGreaterThan(1_000_000_000);
    });

    it('decodes everything when the fake writes one byte at a time', async () => {
      const f = track(await fake({ faults: { chunkedWrites: 1 }, positions: [{ symbol: 'MSFT', position: 3, avgCost: 400 }] }));
      const ib = track(await connected(f, transport));
      expect(ib.accounts).toEqual(['DU1234567']);
      const { ticks: got, cancel } = await ticks(ib, stock('AAPL'), 12);
      cancel();
      expect(got.filter((t) => t.kind === 'price').every((t) => t.kind === 'price' && t.price > 0)).toBe(true);
      const fill = await ib.placeOrder(stock('AAPL'), marketOrder('BUY', 1)).filled;
      expect(fill.filled).toBe(1);
      expect((await ib.positions()).map((p) => [p.contract.symbol, p.position])).toEqual([
        ['MSFT', 3],
        ['AAPL', 1],
      ]);
    });

    it('unknown message ids: lenient mode logs once and skips; strict mode reports TWS_PROTOCOL_ERROR; both keep going', async () => {
      const f = track(await fake());
      const logs: string[] = [];
      const lenient = track(await connected(f, transport, { logger: (level, m) => level === 'warn' && logs.push(m) }));
      const unknown: number[] = [];
      lenient.on('unknownMessage', (id) => unknown.push(id));
      const strict = track(await connected(f, transport, { strict: true }));
      const strictErr = next<[{ code: string; reason?: string }]>(strict, 'error');
      f.sendUnknown(9999);
      f.sendUnknown(9999);
      const err = (await strictErr)[0];
      expect(err.code).toBe('TWS_PROTOCOL_ERROR');
      expect(err.reason).toBe('UNKNOWN_MESSAGE_ID');
      expect(await lenient.reqCurrentTime()).toBeGreaterThan(0);
      expect(unknown).toEqual([9999, 9999]);
      expect(logs.filter((l) => l.includes('9999'))).toHaveLength(1);
      expect(await strict.reqCurrentTime()).toBeGreaterThan(0);
      // a known message with a malformed field: reported, skipped, the connection stays
      const bad = next<[{ code: string }]>(strict, 'error');
      f.sendToAll(['9', '1', 'not-a-number']);
      expect((await bad)[0].code).toBe('TWS_PROTOCOL_ERROR');
      expect(strict.connected).toBe(true);
    });

    it('an oversize message → TWS_MESSAGE_TOO_BIG, then the connection is dropped', async () => {
      const f = track(await fake());
      const ib = track(await connected(f, transport));
      const error = next<[{ code: string }]>(ib, 'error');
      const disconnected = next<[{ code: string } | null]>(ib, 'disconnected');
      const closed = next(ib, 'close');
      f.sendOversize();
      expect((await error)[0].code).toBe('TWS_MESSAGE_TOO_BIG');
      expect((await disconnected)[0]?.code).toBe('TWS_MESSAGE_TOO_BIG');
      await closed;
      expect(ib.state).toBe('closed');
      throws(() => ib.placeOrder(stock('AAPL'), marketOrder('BUY', 1)), 'TWS_NOT_CONNECTED');

      // a configured limit applies to real messages as well
      const small = track(await connected(f, transport, { maxMessageBytes: 64 }));
      const tooBig = next<[{ code: string }]>(small, 'error');
      f.sendToAll(['4', '2', '-1', '2100', 'x'.repeat(100), '']);
      expect((await tooBig)[0].code).toBe('TWS_MESSAGE_TOO_BIG');
    });

    it('reconnects with backoff and re-requests market data, positions, account updates; resyncs open orders', async () => {
      const f = track(await fake({ positions: [{ symbol: 'SPY', position: 7, avgCost: 480 }] }));
      const ib = track(await connected(f, transport, { reconnect: FAST_RECONNECT }));
      const md: Tick[] = [];
      ib.marketData(stock('AAPL'), (t) => md.push(t));
      ib.reqPositions();
      await next(ib, 'positionEnd');
      ib.accountUpdates('', () => undefined);
      await next(ib, 'accountDownloadEnd');
      const resting = ib.placeOrder(stock('AAPL'), limitOrder('BUY', 1, 1));
      await next(resting, 'status');
      const before = { md: f.counts.get('reqMktData'), pos: f.counts.get('reqPositions'), acct: f.counts.get('reqAccountUpdates') };
      expect(before).toEqual({ md: 1, pos: 1, acct: 1 });

      const events: string[] = [];
      ib.on('disconnected', (c) => events.push(`disconnected:${c?.code ?? 'null'}`));
      ib.on('reconnecting', (n) => events.push(`reconnecting:${n}`));
      const reconnected = next(ib, 'reconnected');
      const positionsAgain = next(ib, 'positionEnd');
      const openAgain = next(ib, 'openOrderEnd');
      f.dropConnections();
      await reconnected;
      await positionsAgain;
      await openAgain;
      expect(events.slice(0, 2)).toEqual(['disconnected:CONN_CLOSED', 'reconnecting:1']);
      expect(f.counts.get('reqMktData')).toBe(2);
      expect(f.counts.get('reqPositions')).toBe(2);
      expect(f.counts.get('reqAccountUpdates')).toBe(2);
      expect(f.counts.get('reqOpenOrders')).toBe(1);
      expect(f.counts.get('reqExecutions')).toBe(1);
      expect(ib.connected).toBe(true);
      // ticks flow on the new connection, for the same subscription
      const n = md.length;
      await new Promise<void>((resolve) => {
        const poll = (): void => (md.length > n + 3 ? resolve() : void setImmediate(poll));
        poll();
      });
      // the order placed before the drop is still tracked: cancelling it reaches its handle
      resting.cancel();
      await rejects(resting.filled, 'VENUE_ORDER_REJECTED');
      // positions() works on the new connection
      expect((await ib.positions()).map((p) => [p.contract.symbol, p.position])).toEqual([['SPY', 7]]);
    });

    it('an order that fills while the connection is down settles `filled` after the reconnect (reqExecutions); market data keeps its request id; marketDataType is sent on every connection', async () => {
      const f = track(await fake());
      const mdRequests: string[][] = [];
      const typeRequests: string[][] = [];
      f.on('request', (r) => {
        if (r.name === 'reqMktData') mdRequests.push(r.fields);
        if (r.name === 'reqMarketDataType') typeRequests.push(r.fields);
      });
      const ib = track(await connected(f, transport, { reconnect: FAST_RECONNECT, marketDataType: 3 }));
      const sub = ib.marketData(stock('MSFT'), () => undefined);
      const resting = ib.placeOrder(stock('AAPL'), limitOrder('BUY', 2, 1));
      await next(resting, 'status');
      const reconnected = next(ib, 'reconnected');
      f.dropConnections();
      // The fill happens before the fake notices the drop: its reports go nowhere.
      f.setPrice('AAPL', 0.5);
      expect(f.orders().find((o) => o.orderId === resting.orderId)?.status).toBe('Filled');
      await reconnected;
      const fill = await resting.filled;
      expect([fill.orderId, fill.filled]).toEqual([resting.orderId, 2]);
      expect(f.counts.get('reqExecutions')).toBe(1);
      expect(typeRequests).toEqual([
        ['59', '1', '3'],
        ['59', '1', '3'],
      ]);
      // re-sent before reqExecutions on the same connection, so the fake has seen it by now
      expect(mdRequests.map((fields) => fields[2])).toEqual([String(sub.reqId), String(sub.reqId)]);
    });

    it('a reqCurrentTime() pending at a drop is re-sent on the new connection and resolves there', async () => {
      const f = track(await fake());
      const ib = track(await connected(f, transport, { reconnect: FAST_RECONNECT }));
      f.faults.mute = true;
      const asked = next(f, 'request', (r: { name: string }) => r.name === 'reqCurrentTime');
      const time = ib.reqCurrentTime();
      await asked;
      f.faults.mute = false;
      f.dropConnections();
      expect(await time).toBeGreaterThan(1_600_000_000);
      expect(f.counts.get('reqCurrentTime')).toBe(2);
    });

    it('a drop in the middle of a message: the partial frame is discarded and the client reconnects', async () => {
      const f = track(await fake());
      const ib = track(await connected(f, transport, { reconnect: FAST_RECONNECT }));
      const errors: unknown[] = [];
      ib.on('error', (e) => errors.push(e));
      ib.marketData(stock('AAPL'), () => undefined);
      await next(ib, 'tickPrice');
      f.faults.dropAfterMessages = 40;
      const disconnected = next(ib, 'disconnected');
      await disconnected;
      f.faults.dropAfterMessages = 0;
      await next(ib, 'reconnected');
      await next(ib, 'tickPrice');
      expect(await ib.reqCurrentTime()).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    });

    it('TWS ↔ IB connectivity restored with data lost (1101): market data is re-requested', async () => {
      const f = track(await fake());
      const ib = track(await connected(f, transport));
      ib.marketData(stock('MSFT'), () => undefined);
      await next(ib, 'tickPrice');
      const again = next(f, 'request', (r: { name: string }) => r.name === 'reqMktData');
      const warning = next<[TwsError]>(ib, 'warning');
      f.sendError(-1, 1101, 'Connectivity between IB and TWS has been restored - data lost.');
      expect((await warning)[0].ibCode).toBe(1101);
      await again;
      expect(f.counts.get('cancelMktData')).toBe(1);
      expect(f.counts.get('reqMktData')).toBe(2);
    });

    it('heartbeat: a hung TWS is detected with reqCurrentTime probes and the client reconnects', async () => {
      const f = track(await fake());
      const ib = track(await connected(f, transport, { reconnect: FAST_RECONNECT, heartbeat: { intervalMs: 30, timeoutMs: 60 } }));
      f.faults.mute = true;
      const [cause] = await next<[{ code: string; reason?: string } | null]>(ib, 'disconnected');
      expect(cause?.code).toBe('CONN_TIMEOUT');
      expect(cause?.reason).toBe('HEARTBEAT');
      f.faults.mute = false;
      await next(ib, 'reconnected');
      expect(f.counts.get('reqCurrentTime')).toBeGreaterThan(0);
    });

    it('gives up after reconnect.maxAttempts with RECONNECT_FAILED', async () => {
      const f = await fake();
      const ib = track(await connected(f, transport, { reconnect: { ...FAST_RECONNECT, maxAttempts: 2 } }));
      const errors: string[] = [];
      ib.on('error', (e) => errors.push(e.code));
      const closed = next(ib, 'close');
      await f.close();
      await closed;
      expect(errors).toEqual(['RECONNECT_FAILED']);
    });

    it('disconnect(): pending requests fail with TWS_NOT_CONNECTED, nothing is sent after', async () => {
      const f = track(await fake({ faults: {} }));
      const ib = track(await connected(f, transport));
      const events: string[] = [];
      ib.on('disconnected', (c) => events.push(`disconnected:${c === null ? 'null' : c.code}`));
      ib.on('close', () => events.push('close'));
      f.faults.mute = true; // nothing answers: the requests stay pending
      const pos = ib.positions();
      const time = ib.reqCurrentTime();
      const order = ib.placeOrder(stock('AAPL'), marketOrder('BUY', 1));
      await ib.disconnect();
      await rejects(pos, 'TWS_NOT_CONNECTED');
      await rejects(time, 'TWS_NOT_CONNECTED');
      await rejects(order.filled, 'TWS_NOT_CONNECTED');
      expect(events).toEqual(['disconnected:null', 'close']);
      throws(() => ib.placeOrder(stock('AAPL'), marketOrder('BUY', 1)), 'TWS_NOT_CONNECTED');
      throws(() => ib.marketData(stock('AAPL'), () => undefined), 'TWS_NOT_CONNECTED');
      await ib.disconnect(); // idempotent
    });

    it('rejects bad contracts / orders, and order fields the negotiated version lacks', async () => {
      const f = track(await fake({ serverVersion: 187 }));
      const ib = track(await connected(f, transport));
      throws(() => ib.placeOrder(stock('AAPL'), { action: 'BUY', orderType: 'LMT', totalQuantity: 1 }), 'INVALID_ARGUMENT');
      throws(() => ib.placeOrder({ secType: 'OPT', symbol: 'AAPL' }, marketOrder('BUY', 1)), 'INVALID_ARGUMENT');
      throws(() => ib.marketData(stock('AAPL'), () => undefined, { genericTicks: 'abc' }), 'INVALID_ARGUMENT');
      const nextId = ib.nextOrderId;
      const err = throws(() => ib.placeOrder(stock('AAPL'), marketOrder('BUY', 1, { includeOvernight: true })), 'TWS_REQUEST_FAILED');
      expect(err.message).toContain('189');
      expect(ib.nextOrderId).toBe(nextId);
      expect(f.counts.get('placeOrder')).toBeUndefined();
    });

    it('two clients at once keep their orders apart', async () => {
      const f = track(await fake());
      const a = track(await connected(f, transport));
      const b = track(await connected(f, transport));
      const bStatuses: number[] = [];
      b.on('orderStatus', (s) => bStatuses.push(s.orderId));
      await a.placeOrder(stock('AAPL'), marketOrder('BUY', 1)).filled;
      b.reqIds();
      const [id] = await next<[number]>(b, 'nextValidId');
      expect(id).toBeGreaterThan(a.nextOrderId - 1);
      expect(bStatuses).toEqual([]);
      const c = client(f, transport);
      expect(c.state).toBe('connecting');
    });
  });
}
