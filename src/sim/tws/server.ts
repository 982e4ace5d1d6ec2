/**
 * A fake TWS / IB Gateway on loopback: the real handshake (v100+ only; an old-style client gets
 * silence, as from TWS), managedAccounts / nextValidId, seeded streaming ticks, an order lifecycle
 * (Submitted → Filled with execDetails, orderStatus, openOrder, commissionReport), positions,
 * account updates, IB error messages (200, 102, 103, 202, 326, 10147), and fault injection.
 * It speaks server versions 157..serverVersion (default 193) with the client's own field walks,
 * and @stoqey/ib connects to it too (test/tws/interop.test.ts).
 */
import { EventEmitter } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

import { TickwireError } from '../../native/errors.js';
import { type FieldValue } from '../../tws/framing.js';
import * as codec from '../../tws/messages/codec.js';
import { IN, OUT, TICK } from '../../tws/messages/ids.js';
import { newOrderStateRecord, type ContractRecord, type OrderRecord } from '../../tws/messages/records.js';
import { MAX_SUPPORTED_VERSION, MIN_SUPPORTED_VERSION } from '../../tws/versions.js';
import { DEFAULT_INSTRUMENTS, Instrument, type InstrumentSpec } from './market.js';
import { contractFromSpec, FakeSession, REQUEST_NAMES } from './session.js';

export interface FakeTwsFaults {
  /** Accept TCP connections and never answer (TWS with API connections disabled). */
  silentAfterAccept: boolean;
  /** Answer the handshake and managedAccounts but never send nextValidId. */
  withholdNextValidId: boolean;
  /** Split every write into pieces of this many bytes, one per event-loop turn (1 = byte by byte). 0 = off. */
  chunkedWrites: number;
  /** Once a client has been sent this many messages, send half of the next one and drop the connection. 0 = off. */
  dropAfterMessages: number;
  /** Fill orders in two executions. */
  partialFills: boolean;
  /** Reject every order with error 201. */
  rejectOrders: boolean;
  /** Send nothing more to anyone (connections stay open): a hung TWS. */
  mute: boolean;
}

export interface FakePosition {
  /** Default: the first account. */
  account?: string;
  /** An instrument key ('AAPL', 'ES', 'EUR.USD'). */
  symbol: string;
  position: number;
  avgCost: number;
}

export interface FakeTwsOptions {
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0 (default) = an ephemeral port. */
  port?: number;
  /** Default ['DU1234567']. */
  accounts?: string[];
  /** Seeds the price walks. Default 1. */
  seed?: number;
  /** Highest server version to negotiate (157..193). Default 193. */
  serverVersion?: number;
  /** Instruments by key (added to / replacing the defaults: AAPL, MSFT, SPY, ES, EUR.USD). */
  instruments?: Record<string, InstrumentSpec>;
  /** Market data step interval. Default 100 ms. */
  tickIntervalMs?: number;
  /** First order id handed out with nextValidId. Default 1. */
  nextOrderId?: number;
  /** Starting positions. */
  positions?: FakePosition[];
  /** Starting cash per account. Default 1 000 000. */
  cash?: number;
  /** Delay between Submitted and the fill of a marketable order. Default 0 (next turn). */
  fillDelayMs?: number;
  /** A client that does not start with `API\0`: 'ignore' (default, silent like TWS) or 'close'. */
  legacyHandshake?: 'ignore' | 'close';
  faults?: Partial<FakeTwsFaults>;
  log?: (message: string) => void;
}

export interface FakeRequest {
  clientId: number;
  id: number;
  /** 'reqMktData', 'placeOrder', … ('msg<id>' for ids the fake does not name). */
  name: string;
  fields: string[];
}

export interface FakeClientInfo {
  clientId: number;
  serverVersion: number;
  /** The version string the client offered. */
  offered: string;
}

export interface FakeTwsEvents {
  request: [req: FakeRequest];
  /** A client finished the handshake (START_API accepted). */
  connection: [client: FakeClientInfo];
  disconnect: [clientId: number];
}

interface FakeOrder {
  orderId: number;
  clientId: number;
  permId: number;
  instrument: Instrument;
  contract: ContractRecord;
  order: OrderRecord;
  status: string;
  filled: number;
  avgPrice: number;
  lastPrice: number;
  executions: codec.ExecutionRecord[];
}

interface Holding {
  account: string;
  instrument: Instrument;
  position: number;
  avgCost: number;
}

const MESSAGES = {
  noSecDef: 'No security definition has been found for the request',
  dupTicker: 'Duplicate ticker id',
  dupOrder: 'Duplicate order id',
  clientIdInUse: 'Unable to connect as the client id is already in use. Retry with a unique client id.',
};

function hashConId(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return 100_000_000 + ((h >>> 0) % 800_000_000);
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

function ibTime(d = new Date()): string {
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** hh:mm, as updateAccountTime carries it. */
function accountTime(): string {
  return ibTime().slice(9, 14);
}

/** The fake's commission: 0.5 cent a share, at least 1 USD. */
function commissionFor(shares: number): number {
  return Math.max(1, Number((shares * 0.005).toFixed(2)));
}

/** A limit order's fill price `px` when the limit allows it. */
function withinLimit(buy: boolean, lmt: number, px: number): number | undefined {
  return (buy ? lmt >= px : lmt <= px) ? px : undefined;
}

/** Where executions and positions report the instrument: its listing exchange, else its exchange. */
function listingExchange(inst: Instrument): string {
  return inst.spec.primaryExchange || inst.contract.exchange;
}

export class FakeTws extends EventEmitter<FakeTwsEvents> {
  readonly host: string;
  port = 0;
  readonly serverVersion: number;
  readonly accounts: string[];
  readonly legacyHandshake: 'ignore' | 'close';
  readonly faults: FakeTwsFaults;
  readonly #server: Server;
  readonly #sessions = new Set<FakeSession>();
  readonly #sockets = new Set<Socket>();
  readonly #instruments = new Map<string, Instrument>();
  readonly #byConId = new Map<number, Instrument>();
  readonly #orders = new Map<number, FakeOrder>();
  readonly #holdings = new Map<string, Holding>();
  readonly #cash = new Map<string, number>();
  readonly #seed: number;
  readonly #tickIntervalMs: number;
  readonly #fillDelayMs: number;
  readonly #log: (message: string) => void;
  #nextOrderId: number;
  #permId = 1_000_000;
  #execSeq = 0;
  #ticker: NodeJS.Timeout | null = null;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Requests seen, by name (e.g. counts.reqMktData). */
  readonly counts = new Map<string, number>();

  constructor(options: FakeTwsOptions = {}) {
    super();
    this.host = options.host ?? '127.0.0.1';
    const sv = options.serverVersion ?? MAX_SUPPORTED_VERSION;
    if (!Number.isSafeInteger(sv) || sv < MIN_SUPPORTED_VERSION || sv > MAX_SUPPORTED_VERSION) {
      throw new TickwireError('INVALID_ARGUMENT', `startFakeTws: serverVersion must be in ${MIN_SUPPORTED_VERSION}..${MAX_SUPPORTED_VERSION}, got ${String(sv)}`);
    }
    this.serverVersion = sv;
    this.accounts = options.accounts?.length ? [...options.accounts] : ['DU1234567'];
    for (const a of this.accounts) if (!/^[A-Za-z0-9_-]+$/.test(a)) throw new TickwireError('INVALID_ARGUMENT', `startFakeTws: bad account '${a}'`);
    this.legacyHandshake = options.legacyHandshake ?? 'ignore';
    this.faults = {
      silentAfterAccept: false,
      withholdNextValidId: false,
      chunkedWrites: 0,
      dropAfterMessages: 0,
      partialFills: false,
      rejectOrders: false,
      mute: false,
      ...options.faults,
    };
    this.#seed = options.seed ?? 1;
    this.#tickIntervalMs = options.tickIntervalMs ?? 100;
    this.#fillDelayMs = options.fillDelayMs ?? 0;
    this.#nextOrderId = options.nextOrderId ?? 1;
    this.#log = options.log ?? (() => undefined);
    const specs = { ...DEFAULT_INSTRUMENTS, ...options.instruments };
    let i = 0;
    for (const [key, spec] of Object.entries(specs)) this.#addInstrument(key, spec, this.#seed * 7919 + i++);
    for (const a of this.accounts) this.#cash.set(a, options.cash ?? 1_000_000);
    for (const p of options.positions ?? []) {
      const inst = this.#instruments.get(p.symbol);
      if (!inst) throw new TickwireError('INVALID_ARGUMENT', `startFakeTws: position in unknown instrument '${p.symbol}'`);
      const account = p.account ?? (this.accounts[0] as string);
      this.#holdings.set(`${account}|${inst.contract.conId}`, { account, instrument: inst, position: p.position, avgCost: p.avgCost });
    }
    this.#server = createServer((socket) => this.#accept(socket));
  }

  #addInstrument(key: string, spec: InstrumentSpec, seed: number): Instrument {
    const inst = new Instrument(key, spec, contractFromSpec(key, spec), seed);
    this.#instruments.set(key, inst);
    this.#byConId.set(spec.conId, inst);
    return inst;
  }

  /** Internal: listen. */
  async _listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, this.host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.#server.address() as AddressInfo).port;
  }

  #accept(socket: Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    this.#sessions.add(new FakeSession(this, socket));
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Clients that completed the handshake. */
  clients(): FakeClientInfo[] {
    return [...this.#sessions].filter((s) => s.ready).map((s) => ({ clientId: s.clientId, serverVersion: s.serverVersion, offered: s.offered }));
  }

  /** Open TCP connections (handshake done or not). */
  get connectionCount(): number {
    return this.#sockets.size;
  }

  /** Drops every connection at once (as a TWS restart or a network cut would). */
  dropConnections(): void {
    for (const s of this.#sockets) s.destroy();
  }

  /** Sends a length prefix of `length` bytes (beyond IB's 16 MiB limit by default) and a little of the body. */
  sendOversize(length = 0x1000000): void {
    const b = Buffer.alloc(4 + 16);
    b.writeUInt32BE(length >>> 0, 0);
    b.write('1\0', 4, 'latin1');
    for (const s of this.#ready()) s.writeRaw(b);
  }

  /** Sends a message with an id no client decodes (default 9999) to every client. */
  sendUnknown(id = 9999, fields: FieldValue[] = ['1', 'unknown payload']): void {
    for (const s of this.#ready()) s.send([id, ...fields]);
  }

  /** Sends raw fields (a whole message: id first) to every client. */
  sendToAll(fields: FieldValue[]): void {
    for (const s of this.#ready()) s.send(fields);
  }

  /** Sends an IB error message to every client. */
  sendError(reqId: number, code: number, message: string): void {
    for (const s of this.#ready()) s.sendError(reqId, code, message);
  }

  /** Current positions (account, instrument key, position, avgCost). */
  positions(): Array<{ account: string; symbol: string; position: number; avgCost: number }> {
    return [...this.#holdings.values()].map((h) => ({ account: h.account, symbol: h.instrument.key, position: h.position, avgCost: h.avgCost }));
  }

  /** The fake's order book: id, client, status, filled. */
  orders(): Array<{ orderId: number; clientId: number; status: string; filled: number; avgPrice: number }> {
    return [...this.#orders.values()].map((o) => ({ orderId: o.orderId, clientId: o.clientId, status: o.status, filled: o.filled, avgPrice: o.avgPrice }));
  }

  /** Sets an instrument's price (bid/ask around it); resting orders are checked. */
  setPrice(key: string, price: number): void {
    const inst = this.#instruments.get(key);
    if (!inst) throw new TickwireError('INVALID_ARGUMENT', `setPrice: unknown instrument '${key}'`);
    const t = inst.spec.tick;
    inst.quote.bid = Number((price - t).toFixed(8));
    inst.quote.ask = Number((price + t).toFixed(8));
    inst.quote.last = price;
    this.#broadcastQuote(inst, 'bid');
    this.#broadcastQuote(inst, 'ask');
    this.#broadcastQuote(inst, 'last');
    this.#checkResting(inst);
  }

  *#ready(): Generator<FakeSession> {
    for (const s of this.#sessions) if (s.ready) yield s;
  }

  #sessionOf(clientId: number): FakeSession | undefined {
    for (const s of this.#ready()) if (s.clientId === clientId) return s;
    return undefined;
  }

  #timer(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  // ---------------------------------------------------------------- internal hooks from sessions

  _log(message: string): void {
    this.#log(message);
  }

  _connectionTime(): string {
    return `${ibTime()} UTC`;
  }

  _sessionClosed(s: FakeSession): void {
    this.#sessions.delete(s);
    if (s.clientId >= 0) this.emit('disconnect', s.clientId);
    this.#updateTicker();
  }

  _emitRequest(s: FakeSession, id: number, fields: string[]): void {
    const name = REQUEST_NAMES[id] ?? `msg${id}`;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    this.emit('request', { clientId: s.clientId, id, name, fields });
  }

  _startApi(s: FakeSession, clientId: number): void {
    if (this.#sessionOf(clientId)) {
      this._log(`client id ${clientId} is in use: 326`);
      s.sendError(-1, 326, MESSAGES.clientIdInUse);
      // TWS drops the connection after refusing the client id.
      s.endAfterFlush();
      s.stage = 'closed';
      return;
    }
    s.clientId = clientId;
    s.stage = 'ready';
    this.emit('connection', { clientId, serverVersion: s.serverVersion, offered: s.offered });
    s.sendWalk(IN.MANAGED_ACCTS, codec.managedAccounts, { value: this.accounts.join(',') });
    if (!this.faults.withholdNextValidId) s.sendWalk(IN.NEXT_VALID_ID, codec.nextValidId, { value: this.#nextOrderId });
    s.sendError(-1, 2104, 'Market data farm connection is OK:usfarm');
    s.sendError(-1, 2106, 'HMDS data farm connection is OK:ushmds');
    s.sendError(-1, 2158, 'Sec-def data farm connection is OK:secdefnj');
  }

  _request(s: FakeSession, id: number, fields: string[]): void {
    const sv = s.serverVersion;
    if (([OUT.REQ_OPEN_ORDERS, OUT.REQ_MANAGED_ACCTS, OUT.REQ_CURRENT_TIME, OUT.REQ_POSITIONS, OUT.CANCEL_POSITIONS] as number[]).includes(id)) {
      codec.decodeFields(fields, codec.versionOnly, sv, {}, true);
    }
    switch (id) {
      case OUT.REQ_MKT_DATA: {
        const r = codec.decodeFields(fields, codec.reqMktData, sv, codec.newReqMktData(), true);
        this.#reqMktData(s, r);
        return;
      }
      case OUT.CANCEL_MKT_DATA: {
        const r = codec.decodeFields(fields, codec.cancelMktData, sv, { reqId: 0 }, true);
        s.marketSubs.delete(r.reqId);
        this.#updateTicker();
        return;
      }
      case OUT.PLACE_ORDER: {
        const r = codec.decodeFields(fields, codec.placeOrder, sv, codec.newPlaceOrder(), true);
        this.#placeOrder(s, r.contract, r.order);
        return;
      }
      case OUT.CANCEL_ORDER: {
        const r = codec.decodeFields(fields, codec.cancelOrder, sv, codec.newCancelOrder(), true);
        this.#cancelOrder(s, r.orderId);
        return;
      }
      case OUT.REQ_OPEN_ORDERS:
        for (const o of this.#orders.values()) {
          if (o.clientId !== s.clientId || o.status === 'Filled' || o.status === 'Cancelled') continue;
          this.#sendOpenOrder(s, o);
          this.#sendOrderStatus(s, o);
        }
        s.sendWalk(IN.OPEN_ORDER_END, codec.versionOnly, {});
        return;
      case OUT.REQ_ACCT_DATA: {
        const r = codec.decodeFields(fields, codec.reqAccountUpdates, sv, { subscribe: false, account: '' }, true);
        const account = r.account || (this.accounts[0] as string);
        if (!this.accounts.includes(account)) {
          s.sendError(-1, 321, `Error validating request.-'bB' : cause - Invalid account code ${account}`);
          return;
        }
        if (r.subscribe) {
          s.accountSub = account;
          this.#sendAccount(s, account);
        } else {
          s.accountSub = null;
        }
        return;
      }
      case OUT.REQ_EXECUTIONS: {
        const r = codec.decodeFields(fields, codec.reqExecutions, sv, codec.newExecutionFilter(), true);
        for (const o of this.#orders.values()) {
          if (o.clientId !== s.clientId) continue;
          for (const e of o.executions) s.sendWalk(IN.EXECUTION_DATA, codec.executionData, { ...e, reqId: r.reqId });
        }
        s.sendWalk(IN.EXECUTION_DATA_END, codec.reqIdOnly, { reqId: r.reqId });
        return;
      }
      case OUT.REQ_IDS:
        codec.decodeFields(fields, codec.reqIds, sv, { numIds: 0 }, true);
        s.sendWalk(IN.NEXT_VALID_ID, codec.nextValidId, { value: this.#nextOrderId });
        return;
      case OUT.REQ_MANAGED_ACCTS:
        s.sendWalk(IN.MANAGED_ACCTS, codec.managedAccounts, { value: this.accounts.join(',') });
        return;
      case OUT.REQ_CURRENT_TIME:
        s.sendWalk(IN.CURRENT_TIME, codec.currentTime, { value: Math.floor(Date.now() / 1000) });
        return;
      case OUT.REQ_MARKET_DATA_TYPE:
        codec.decodeFields(fields, codec.reqMarketDataType, sv, { marketDataType: 0 }, true);
        return;
      case OUT.REQ_POSITIONS:
        s.positionsSub = true;
        for (const h of this.#holdings.values()) this.#sendPosition(s, h);
        s.sendWalk(IN.POSITION_END, codec.versionOnly, {});
        return;
      case OUT.CANCEL_POSITIONS:
        s.positionsSub = false;
        return;
      default:
        this._log(`ignoring request id ${id}`);
        return;
    }
  }

  // ---------------------------------------------------------------- instruments

  #resolve(c: ContractRecord): Instrument | undefined {
    if (c.conId > 0) return this.#byConId.get(c.conId);
    switch (c.secType) {
      case 'STK': {
        const inst = this.#instruments.get(c.symbol);
        return inst?.spec.secType === 'STK' && (c.currency === '' || c.currency === inst.contract.currency) ? inst : undefined;
      }
      case 'CASH': {
        const inst = this.#instruments.get(`${c.symbol}.${c.currency}`);
        return inst?.spec.secType === 'CASH' ? inst : undefined;
      }
      case 'FUT': {
        const inst = this.#instruments.get(c.symbol);
        if (!inst || inst.spec.secType !== 'FUT') return undefined;
        const month = inst.contract.lastTradeDateOrContractMonth;
        if (c.lastTradeDateOrContractMonth && !month.startsWith(c.lastTradeDateOrContractMonth)) return undefined;
        return inst;
      }
      case 'OPT': {
        const under = this.#instruments.get(c.symbol);
        if (under?.spec.secType !== 'STK' || !(c.strike > 0) || !/^(C|P|CALL|PUT)$/.test(c.right) || !/^\d{8}$/.test(c.lastTradeDateOrContractMonth)) return undefined;
        const right = c.right[0] as 'C' | 'P';
        const key = `${c.symbol} ${c.lastTradeDateOrContractMonth} ${c.strike}${right}`;
        const known = this.#instruments.get(key);
        if (known) return known;
        const u = under.quote.last;
        const intrinsic = right === 'C' ? Math.max(0, u - c.strike) : Math.max(0, c.strike - u);
        const inst = this.#addInstrument(
          key,
          {
            secType: 'OPT',
            conId: hashConId(key),
            price: Math.max(0.05, Number((intrinsic + 2.5).toFixed(2))),
            tick: 0.01,
            currency: under.contract.currency,
            exchange: 'SMART',
            multiplier: '100',
            lastTradeDateOrContractMonth: c.lastTradeDateOrContractMonth,
            localSymbol: key,
            tradingClass: c.symbol,
          },
          hashConId(key),
        );
        const oc = inst.contract;
        oc.symbol = c.symbol;
        oc.strike = c.strike;
        oc.right = right;
        return inst;
      }
      default:
        return undefined;
    }
  }

  // ---------------------------------------------------------------- market data

  #reqMktData(s: FakeSession, r: codec.ReqMktDataRecord): void {
    if (s.marketSubs.has(r.reqId)) {
      s.sendError(r.reqId, 102, MESSAGES.dupTicker);
      return;
    }
    const inst = this.#resolve(r.contract);
    if (!inst) {
      s.sendError(r.reqId, 200, MESSAGES.noSecDef);
      return;
    }
    s.sendWalk(IN.MARKET_DATA_TYPE, codec.marketDataType, { reqId: r.reqId, marketDataType: 1 });
    const q = inst.quote;
    const price = (tickType: number, p: number, size: number | undefined): void =>
      s.sendWalk(IN.TICK_PRICE, codec.tickPrice, { reqId: r.reqId, tickType, price: p, size, attrMask: tickType === TICK.BID || tickType === TICK.ASK ? 1 : 0 });
    price(TICK.BID, q.bid, q.bidSize);
    price(TICK.ASK, q.ask, q.askSize);
    price(TICK.LAST, q.last, q.lastSize);
    s.sendWalk(IN.TICK_SIZE, codec.tickSize, { reqId: r.reqId, tickType: TICK.VOLUME, size: q.volume });
    price(TICK.HIGH, q.high, 0);
    price(TICK.LOW, q.low, 0);
    price(TICK.CLOSE, q.close, 0);
    price(TICK.OPEN, q.open, 0);
    s.sendWalk(IN.TICK_STRING, codec.tickString, { reqId: r.reqId, tickType: TICK.LAST_TIMESTAMP, value: String(Math.floor(Date.now() / 1000)) });
    if (r.snapshot) {
      s.sendWalk(IN.TICK_SNAPSHOT_END, codec.reqIdOnly, { reqId: r.reqId });
      return;
    }
    s.marketSubs.set(r.reqId, { reqId: r.reqId, key: inst.key, snapshot: false });
    this.#updateTicker();
  }

  #updateTicker(): void {
    let needed = [...this.#orders.values()].some((o) => o.status === 'Submitted');
    for (const s of this.#ready()) if (s.marketSubs.size > 0) needed = true;
    if (needed && !this.#ticker) {
      this.#ticker = setInterval(() => this.#step(), this.#tickIntervalMs);
      this.#ticker.unref();
    } else if (!needed && this.#ticker) {
      clearInterval(this.#ticker);
      this.#ticker = null;
    }
  }

  #step(): void {
    const active = new Set<Instrument>();
    for (const s of this.#ready()) for (const sub of s.marketSubs.values()) active.add(this.#instruments.get(sub.key) as Instrument);
    for (const o of this.#orders.values()) if (o.status === 'Submitted') active.add(o.instrument);
    for (const inst of active) {
      const side = inst.step();
      this.#broadcastQuote(inst, side);
      this.#checkResting(inst);
    }
  }

  #broadcastQuote(inst: Instrument, side: 'bid' | 'ask' | 'last'): void {
    const q = inst.quote;
    for (const s of this.#ready()) {
      for (const sub of s.marketSubs.values()) {
        if (sub.key !== inst.key) continue;
        if (side === 'bid') s.sendWalk(IN.TICK_PRICE, codec.tickPrice, { reqId: sub.reqId, tickType: TICK.BID, price: q.bid, size: q.bidSize, attrMask: 1 });
        else if (side === 'ask') s.sendWalk(IN.TICK_PRICE, codec.tickPrice, { reqId: sub.reqId, tickType: TICK.ASK, price: q.ask, size: q.askSize, attrMask: 1 });
        else {
          s.sendWalk(IN.TICK_PRICE, codec.tickPrice, { reqId: sub.reqId, tickType: TICK.LAST, price: q.last, size: q.lastSize, attrMask: 0 });
          s.sendWalk(IN.TICK_SIZE, codec.tickSize, { reqId: sub.reqId, tickType: TICK.VOLUME, size: q.volume });
          s.sendWalk(IN.TICK_STRING, codec.tickString, { reqId: sub.reqId, tickType: TICK.LAST_TIMESTAMP, value: String(Math.floor(Date.now() / 1000)) });
        }
      }
    }
  }

  // ---------------------------------------------------------------- orders

  #placeOrder(s: FakeSession, c: ContractRecord, order: OrderRecord): void {
    const id = order.orderId;
    if (this.#orders.has(id)) {
      s.sendError(id, 103, MESSAGES.dupOrder);
      return;
    }
    const inst = this.#resolve(c);
    if (!inst) {
      s.sendError(id, 200, MESSAGES.noSecDef);
      return;
    }
    if (this.faults.rejectOrders) {
      s.sendError(id, 201, 'Order rejected - reason:The fake TWS rejects every order (faults.rejectOrders)');
      return;
    }
    if (order.action !== 'BUY' && order.action !== 'SELL' && order.action !== 'SSHORT') {
      s.sendError(id, 201, `Order rejected - reason:Invalid action '${order.action}'`);
      return;
    }
    const qty = order.totalQuantity ?? 0;
    if (!(qty > 0)) {
      s.sendError(id, 201, 'Order rejected - reason:The order size must be positive');
      return;
    }
    if (order.account && !this.accounts.includes(order.account)) {
      s.sendError(id, 201, `Order rejected - reason:Invalid account ${order.account}`);
      return;
    }
    if (id >= this.#nextOrderId) this.#nextOrderId = id + 1;
    const o: FakeOrder = {
      orderId: id,
      clientId: s.clientId,
      permId: ++this.#permId,
      instrument: inst,
      contract: { ...inst.contract },
      order: { ...order, clientId: s.clientId, account: order.account || (this.accounts[0] as string) },
      status: 'Submitted',
      filled: 0,
      avgPrice: 0,
      lastPrice: 0,
      executions: [],
    };
    o.order.permId = o.permId;
    if (order.whatIf) {
      const st = newOrderStateRecord('PreSubmitted');
      st.initMarginAfter = String(Math.round(qty * inst.quote.last * 0.25));
      st.maintMarginAfter = String(Math.round(qty * inst.quote.last * 0.25));
      st.equityWithLoanAfter = String(this.#cash.get(o.order.account) ?? 0);
      st.commission = 1;
      st.commissionCurrency = 'USD';
      s.sendWalk(IN.OPEN_ORDER, codec.openOrder, { contract: o.contract, order: o.order, state: st });
      return;
    }
    this.#orders.set(id, o);
    this.#sendOpenOrder(s, o);
    this.#sendOrderStatus(s, o);
    this.#timer(this.#fillDelayMs, () => this.#tryFill(o));
    this.#updateTicker();
  }

  #marketable(o: FakeOrder): number | undefined {
    const q = o.instrument.quote;
    const buy = o.order.action === 'BUY';
    const px = buy ? q.ask : q.bid;
    const lmt = o.order.lmtPrice;
    const aux = o.order.auxPrice;
    switch (o.order.orderType) {
      case 'LMT':
        return lmt === undefined ? px : withinLimit(buy, lmt, px);
      case 'STP':
        if (aux === undefined) return px;
        return buy ? (px >= aux ? px : undefined) : px <= aux ? px : undefined;
      case 'STP LMT':
        if (aux === undefined || lmt === undefined) return undefined;
        if (buy ? px < aux : px > aux) return undefined;
        return withinLimit(buy, lmt, px);
      default:
        return px;
    }
  }

  #checkResting(inst: Instrument): void {
    for (const o of this.#orders.values()) if (o.instrument === inst && o.status === 'Submitted') this.#tryFill(o);
  }

  #tryFill(o: FakeOrder): void {
    if (o.status !== 'Submitted') return;
    const px = this.#marketable(o);
    if (px === undefined) return;
    const qty = o.order.totalQuantity ?? 0;
    const parts = this.faults.partialFills && qty > 1 ? [Math.floor(qty / 2), qty - Math.floor(qty / 2)] : [qty];
    const s = this.#sessionOf(o.clientId);
    const account = o.order.account;
    for (const part of parts) {
      o.filled += part;
      o.avgPrice = (o.avgPrice * (o.filled - part) + px * part) / o.filled;
      o.lastPrice = px;
      const e = codec.newExecution();
      e.orderId = o.orderId;
      e.exchange = listingExchange(o.instrument);
      e.contract = { ...o.contract, exchange: e.exchange };
      e.execId = `0000f${(o.permId % 0xfffff).toString(16)}.${(++this.#execSeq).toString(16).padStart(8, '0')}.01.01`;
      e.time = `${ibTime()} UTC`;
      e.account = account;
      e.side = o.order.action === 'BUY' ? 'BOT' : 'SLD';
      e.shares = part;
      e.price = px;
      e.permId = o.permId;
      e.clientId = o.clientId;
      e.cumQty = o.filled;
      e.avgPrice = Number(o.avgPrice.toFixed(8));
      e.orderRef = o.order.orderRef;
      e.lastLiquidity = 2;
      o.executions.push(e);
      o.instrument.trade(px, part);
      this.#applyFill(account, o.instrument, o.order.action === 'BUY' ? part : -part, px);
      if (s) {
        s.sendWalk(IN.EXECUTION_DATA, codec.executionData, e);
        if (o.filled < qty) this.#sendOrderStatus(s, o);
      }
    }
    o.status = 'Filled';
    if (s) {
      this.#sendOrderStatus(s, o);
      this.#sendOpenOrder(s, o);
      for (const e of o.executions) {
        s.sendWalk(IN.COMMISSION_REPORT, codec.commissionReport, {
          execId: e.execId,
          commission: commissionFor(e.shares ?? 0),
          currency: 'USD',
          realizedPNL: undefined,
          yield: undefined,
          yieldRedemptionDate: 0,
        });
      }
    }
    this.#updateTicker();
  }

  #cancelOrder(s: FakeSession, orderId: number): void {
    const o = this.#orders.get(orderId);
    if (!o || o.clientId !== s.clientId || o.status === 'Filled' || o.status === 'Cancelled') {
      s.sendError(orderId, 10147, `OrderId ${orderId} that needs to be cancelled is not found.`);
      return;
    }
    o.status = 'Cancelled';
    this.#sendOrderStatus(s, o);
    s.sendError(orderId, 202, 'Order Canceled - reason:');
    this.#updateTicker();
  }

  #sendOrderStatus(s: FakeSession, o: FakeOrder): void {
    const qty = o.order.totalQuantity ?? 0;
    s.sendWalk(IN.ORDER_STATUS, codec.orderStatus, {
      orderId: o.orderId,
      status: o.status,
      filled: o.filled,
      remaining: o.status === 'Cancelled' ? 0 : qty - o.filled,
      avgFillPrice: Number(o.avgPrice.toFixed(8)),
      permId: o.permId,
      parentId: o.order.parentId,
      lastFillPrice: o.lastPrice,
      clientId: o.clientId,
      whyHeld: '',
      mktCapPrice: 0,
    });
  }

  #sendOpenOrder(s: FakeSession, o: FakeOrder): void {
    const st = newOrderStateRecord(o.status);
    if (o.status === 'Filled') {
      st.commission = commissionFor(o.order.totalQuantity ?? 0);
      st.commissionCurrency = 'USD';
    }
    s.sendWalk(IN.OPEN_ORDER, codec.openOrder, { contract: o.contract, order: o.order, state: st });
  }

  // ---------------------------------------------------------------- positions and account

  #applyFill(account: string, inst: Instrument, delta: number, price: number): void {
    const key = `${account}|${inst.contract.conId}`;
    const mult = Number(inst.contract.multiplier) || 1;
    const h = this.#holdings.get(key) ?? { account, instrument: inst, position: 0, avgCost: 0 };
    const next = h.position + delta;
    if (next === 0) h.avgCost = 0;
    else if (Math.sign(next) !== Math.sign(h.position) || Math.abs(next) > Math.abs(h.position)) {
      // opening or adding: weighted average (a flip starts from the fill price)
      const base = Math.sign(next) === Math.sign(h.position) ? h.position : 0;
      const added = next - base;
      h.avgCost = (h.avgCost * Math.abs(base) + price * mult * Math.abs(added)) / Math.abs(next);
    }
    h.position = next;
    this.#holdings.set(key, h);
    this.#cash.set(account, (this.#cash.get(account) ?? 0) - delta * price * mult);
    for (const s of this.#ready()) {
      if (s.positionsSub) this.#sendPosition(s, h);
      if (s.accountSub === account) {
        this.#sendPortfolio(s, h);
        this.#sendAccountValues(s, account);
        s.sendWalk(IN.ACCT_UPDATE_TIME, codec.acctUpdateTime, { value: accountTime() });
      }
    }
  }

  #sendPosition(s: FakeSession, h: Holding): void {
    const c: ContractRecord = { ...h.instrument.contract, exchange: listingExchange(h.instrument) };
    s.sendWalk(IN.POSITION_DATA, codec.positionData, { account: h.account, contract: c, position: h.position, avgCost: Number(h.avgCost.toFixed(8)) });
  }

  #sendPortfolio(s: FakeSession, h: Holding): void {
    const mult = Number(h.instrument.contract.multiplier) || 1;
    const price = h.instrument.quote.last;
    const value = h.position * price * mult;
    s.sendWalk(IN.PORTFOLIO_VALUE, codec.portfolioValue, {
      contract: { ...h.instrument.contract, primaryExchange: h.instrument.spec.primaryExchange ?? '' },
      position: h.position,
      marketPrice: price,
      marketValue: Number(value.toFixed(2)),
      averageCost: Number(h.avgCost.toFixed(8)),
      unrealizedPNL: Number((value - h.avgCost * h.position).toFixed(2)),
      realizedPNL: 0,
      account: h.account,
    });
  }

  #sendAccountValues(s: FakeSession, account: string): void {
    const cash = this.#cash.get(account) ?? 0;
    let value = 0;
    for (const h of this.#holdings.values()) if (h.account === account) value += h.position * h.instrument.quote.last * (Number(h.instrument.contract.multiplier) || 1);
    const net = cash + value;
    const send = (key: string, v: string, currency = 'USD'): void => s.sendWalk(IN.ACCT_VALUE, codec.acctValue, { key, value: v, currency, account });
    send('AccountCode', account, '');
    send('AccountType', 'INDIVIDUAL', '');
    send('NetLiquidation', net.toFixed(2));
    send('TotalCashValue', cash.toFixed(2));
    send('GrossPositionValue', Math.abs(value).toFixed(2));
    send('AvailableFunds', net.toFixed(2));
    send('BuyingPower', (net * 4).toFixed(2));
  }

  #sendAccount(s: FakeSession, account: string): void {
    this.#sendAccountValues(s, account);
    for (const h of this.#holdings.values()) if (h.account === account) this.#sendPortfolio(s, h);
    s.sendWalk(IN.ACCT_UPDATE_TIME, codec.acctUpdateTime, { value: accountTime() });
    s.sendWalk(IN.ACCT_DOWNLOAD_END, codec.acctDownloadEnd, { value: account });
  }
}
