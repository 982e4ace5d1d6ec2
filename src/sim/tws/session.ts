/**
 * One API connection to the fake TWS: the v100+ handshake, then requests in, responses out, with
 * the same field walks the client uses (src/tws/messages).
 */
import type { Socket } from 'node:net';

import { encodeMessage, FrameDecoder, type FieldValue } from '../../tws/framing.js';
import * as codec from '../../tws/messages/codec.js';
import { IN, OUT } from '../../tws/messages/ids.js';
import { newContractRecord, type ContractRecord } from '../../tws/messages/records.js';
import { MIN_SUPPORTED_VERSION } from '../../tws/versions.js';
import type { FakeTws } from './server.js';

const API = Buffer.from('API\0', 'latin1');

/** A Buffer view of freshly encoded bytes (no copy). */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Names of client → TWS message ids, for the 'request' event. */
export const REQUEST_NAMES: Record<number, string> = {
  [OUT.REQ_MKT_DATA]: 'reqMktData',
  [OUT.CANCEL_MKT_DATA]: 'cancelMktData',
  [OUT.PLACE_ORDER]: 'placeOrder',
  [OUT.CANCEL_ORDER]: 'cancelOrder',
  [OUT.REQ_OPEN_ORDERS]: 'reqOpenOrders',
  [OUT.REQ_ACCT_DATA]: 'reqAccountUpdates',
  [OUT.REQ_EXECUTIONS]: 'reqExecutions',
  [OUT.REQ_IDS]: 'reqIds',
  [OUT.REQ_MANAGED_ACCTS]: 'reqManagedAccts',
  [OUT.REQ_CURRENT_TIME]: 'reqCurrentTime',
  [OUT.REQ_MARKET_DATA_TYPE]: 'reqMarketDataType',
  [OUT.REQ_POSITIONS]: 'reqPositions',
  [OUT.CANCEL_POSITIONS]: 'cancelPositions',
  [OUT.START_API]: 'startApi',
};

export interface MarketSub {
  reqId: number;
  key: string;
  snapshot: boolean;
}

export class FakeSession {
  readonly socket: Socket;
  readonly fake: FakeTws;
  stage: 'header' | 'version' | 'start' | 'ready' | 'legacy' | 'silent' | 'closed' = 'header';
  serverVersion = 0;
  clientId = -1;
  /** The version string the client offered, e.g. 'v100..193'. */
  offered = '';
  readonly decoder = new FrameDecoder();
  readonly marketSubs = new Map<number, MarketSub>();
  positionsSub = false;
  accountSub: string | null = null;
  framesOut = 0;
  #head = Buffer.alloc(0);
  #dropping = false;
  #out: Buffer[] = [];
  #pumping = false;

  constructor(fake: FakeTws, socket: Socket) {
    this.fake = fake;
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.#onData(d));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.stage = 'closed';
      this.fake._sessionClosed(this);
    });
    if (fake.faults.silentAfterAccept) this.stage = 'silent';
  }

  get ready(): boolean {
    return this.stage === 'ready';
  }

  // ---------------------------------------------------------------- output

  /** Sends one message (unless a fault says otherwise). */
  send(fields: readonly FieldValue[]): void {
    if (this.stage === 'closed' || this.#dropping) return;
    const bytes = encodeMessage(fields);
    this.framesOut++;
    const drop = this.fake.faults.dropAfterMessages;
    if (drop > 0 && this.framesOut >= drop) {
      // Drop mid-stream: half of this frame, then the connection goes away.
      this.#dropping = true;
      this.writeRaw(asBuffer(bytes).subarray(0, Math.max(1, bytes.length >> 1)));
      this.#afterFlush(() => this.socket.destroy());
      return;
    }
    this.writeRaw(asBuffer(bytes));
  }

  sendWalk<R>(id: number, walk: codec.Walk<R>, rec: R): void {
    this.send(codec.encodeFields(id, walk, this.serverVersion, rec));
  }

  sendError(reqId: number, code: number, message: string): void {
    this.sendWalk(IN.ERR_MSG, codec.errMsg, { reqId, code, message, advancedOrderRejectJson: '' });
  }

  /** Bytes as they are (the handshake reply, fault injection), through the chunking fault. */
  writeRaw(bytes: Buffer): void {
    if (this.stage === 'closed' || this.socket.destroyed || this.fake.faults.mute) return;
    const chunk = this.fake.faults.chunkedWrites;
    if (chunk > 0 || this.#out.length > 0 || this.#pumping) {
      const step = chunk > 0 ? chunk : Math.max(1, bytes.length);
      for (let i = 0; i < bytes.length; i += step) this.#out.push(bytes.subarray(i, i + step));
      this.#pump();
      return;
    }
    this.socket.write(bytes);
  }

  /** Writes queued pieces one per event-loop turn, so the client sees them as separate reads. */
  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    const next = (): void => {
      const piece = this.#out.shift();
      if (!piece || this.socket.destroyed) {
        this.#pumping = false;
        this.#out = [];
        this.#flushed();
        return;
      }
      this.socket.write(piece, () => setImmediate(next));
    };
    next();
  }

  #flushWaiters: Array<() => void> = [];
  #flushed(): void {
    const w = this.#flushWaiters;
    this.#flushWaiters = [];
    for (const f of w) f();
  }
  #afterFlush(fn: () => void): void {
    if (!this.#pumping && this.#out.length === 0) {
      this.socket.write(Buffer.alloc(0), () => fn());
      return;
    }
    this.#flushWaiters.push(fn);
  }

  close(): void {
    this.stage = 'closed';
    this.socket.destroy();
  }

  /** Ends the connection once everything queued (chunked writes included) is written. */
  endAfterFlush(): void {
    this.#afterFlush(() => this.socket.end());
  }

  // ---------------------------------------------------------------- input

  #onData(d: Buffer): void {
    switch (this.stage) {
      case 'closed':
      case 'legacy':
      case 'silent':
        return; // TWS with the API disabled, or an old-style client: nothing comes back
      case 'header': {
        this.#head = Buffer.concat([this.#head, d]);
        if (this.#head.length < 4) {
          if (!API.subarray(0, this.#head.length).equals(this.#head)) this.#legacy();
          return;
        }
        if (!this.#head.subarray(0, 4).equals(API)) {
          this.#legacy();
          return;
        }
        const rest = this.#head.subarray(4);
        this.#head = Buffer.alloc(0);
        this.stage = 'version';
        if (rest.length) this.#frames(rest);
        return;
      }
      default:
        this.#frames(d);
    }
  }

  #legacy(): void {
    this.fake._log(`connection from a pre-v100 client (no 'API\\0'): ${this.fake.legacyHandshake === 'close' ? 'closed' : 'ignored, as TWS does'}`);
    if (this.fake.legacyHandshake === 'close') this.close();
    else this.stage = 'legacy';
  }

  #frames(d: Buffer): void {
    let frames: string[][];
    try {
      frames = this.decoder.push(d);
    } catch {
      this.close();
      return;
    }
    for (const f of frames) {
      if ((this.stage as string) === 'closed') return;
      this.#onFrame(f);
    }
  }

  #onFrame(fields: string[]): void {
    if (this.stage === 'version') {
      this.#onVersion(fields[0] ?? '');
      return;
    }
    let id: number;
    try {
      id = codec.messageId(fields);
    } catch {
      return;
    }
    if (this.stage === 'start') {
      if (id !== OUT.START_API) return; // nothing flows before START_API
      const r = codec.decodeFields(fields, codec.startApi, this.serverVersion, { clientId: 0, optionalCapabilities: '' }, true);
      this.fake._emitRequest(this, id, fields);
      this.fake._startApi(this, r.clientId);
      return;
    }
    if (this.stage !== 'ready') return;
    this.fake._emitRequest(this, id, fields);
    try {
      this.fake._request(this, id, fields);
    } catch (e) {
      // What real TWS does with a request it cannot parse: an error, and it keeps going.
      this.sendError(-1, 320, `Error reading request. ${(e as Error).message}`);
    }
  }

  #onVersion(text: string): void {
    const m = /^v(\d+)(?:\.\.(\d+))?(?: (.*))?$/.exec(text);
    if (!m) {
      this.fake._log(`bad version string ${JSON.stringify(text)}: closing`);
      this.close();
      return;
    }
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : Number(m[2]);
    const sv = Math.min(max, this.fake.serverVersion);
    this.offered = text;
    if (sv < min || sv < MIN_SUPPORTED_VERSION) {
      this.fake._log(`client offers ${text}; this fake speaks ${MIN_SUPPORTED_VERSION}..${this.fake.serverVersion}: closing`);
      this.close();
      return;
    }
    this.serverVersion = sv;
    this.stage = 'start';
    // Through writeRaw, not send(): the reply is not an API message (no dropAfterMessages count).
    this.writeRaw(asBuffer(encodeMessage([sv, this.fake._connectionTime()])));
  }
}

/** A contract record for an instrument key. */
export function contractFromSpec(key: string, spec: import('./market.js').InstrumentSpec): ContractRecord {
  const c = newContractRecord();
  c.conId = spec.conId;
  c.secType = spec.secType;
  c.symbol = spec.secType === 'CASH' ? key.split('.')[0]! : key;
  c.currency = spec.currency ?? 'USD';
  c.exchange = spec.exchange ?? 'SMART';
  c.primaryExchange = spec.primaryExchange ?? '';
  c.multiplier = spec.multiplier ?? '';
  c.lastTradeDateOrContractMonth = spec.lastTradeDateOrContractMonth ?? '';
  c.localSymbol = spec.localSymbol ?? key;
  c.tradingClass = spec.tradingClass ?? '';
  return c;
}
