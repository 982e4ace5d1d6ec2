/**
 * `replayJournal(path)`: reads a journal, verifies every record, and rebuilds the state the engine
 * needs after a restart (open orders, fills, positions, halted). See docs/journal.md.
 */
import { readFile } from 'node:fs/promises';

import type { Fill, OrderStatus } from '../../exchanges/common/types.js';
import { TickwireError } from '../../native/errors.js';
import { checkHeader, HEADER_BYTES, scanRecords } from './format.js';
import type { JournalRecord, OpenOrder, Replayed } from './types.js';

const TERMINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'canceled', 'rejected', 'expired']);
/** Relative tolerance when summing fill quantities against the intent's quantity. */
const QTY_EPSILON = 1e-9;

/** The state a list of good records describes (exported for tests and for the engine's live view). */
export function rebuildState(records: readonly JournalRecord[]): Pick<Replayed, 'openOrders' | 'fills' | 'positions' | 'halted'> {
  const openOrders = new Map<string, OpenOrder>();
  const filledQty = new Map<string, number>();
  /** `${venue}:${clientOrderId}` → intent id (from 'sent' records and acks). */
  const byClientId = new Map<string, string>();
  const seenFills = new Set<string>();
  const fills: Fill[] = [];
  const positions = new Map<string, number>();
  let halted = false;

  const close = (id: string): void => {
    openOrders.delete(id);
  };

  for (const r of records) {
    switch (r.t) {
      case 'intent':
        if (!openOrders.has(r.id)) openOrders.set(r.id, { intent: r.intent });
        break;
      case 'sent': {
        byClientId.set(`${r.venue}:${r.clientOrderId}`, r.id);
        const o = openOrders.get(r.id);
        if (o) o.clientOrderId = r.clientOrderId;
        break;
      }
      case 'ack': {
        byClientId.set(`${r.ack.venue}:${r.ack.clientOrderId}`, r.id);
        const o = openOrders.get(r.id);
        if (o) {
          o.ack = r.ack;
          o.clientOrderId ??= r.ack.clientOrderId;
        }
        if (TERMINAL.has(r.ack.status)) close(r.id);
        break;
      }
      case 'reject':
      case 'cancel':
        close(r.id);
        break;
      case 'fill': {
        const f = r.fill;
        const key = `${f.venue}:${f.orderId}:${f.clientOrderId}:${f.tradeId}`;
        if (seenFills.has(key)) break;
        seenFills.add(key);
        fills.push(f);
        const pk = `${f.venue}:${f.symbol}`;
        positions.set(pk, (positions.get(pk) ?? 0) + (f.side === 'buy' ? f.qty : -f.qty));
        // Through the 'sent' / ack records; failing that, an engine that used the intent id as
        // the client order id.
        const id = byClientId.get(`${f.venue}:${f.clientOrderId}`) ?? (openOrders.has(f.clientOrderId) ? f.clientOrderId : undefined);
        if (id === undefined) break;
        const total = (filledQty.get(id) ?? 0) + f.qty;
        filledQty.set(id, total);
        const o = openOrders.get(id);
        if (o && total >= o.intent.qty * (1 - QTY_EPSILON)) close(id);
        break;
      }
      case 'halt':
        halted = true;
        break;
      case 'resume':
        halted = false;
        break;
    }
  }
  return { openOrders, fills, positions, halted };
}

/**
 * Reads and verifies the journal at `path`. A missing or empty file replays as an empty journal.
 * A torn last record sets `tornTail` and is skipped; a bad record before the end sets `corrupt`
 * and replay stops there (the records before it are returned). Throws `INVALID_ARGUMENT` only when
 * the file is not a tickwire journal (bad magic or version), `SYSTEM_ERROR` when it cannot be read.
 */
export async function replayJournal(path: string): Promise<Replayed> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return replayBuffer(Buffer.alloc(0));
    throw new TickwireError('SYSTEM_ERROR', `journal ${path}: cannot read: ${(err as Error).message}`, { reason: code ?? 'EIO', cause: err });
  }
  try {
    return replayBuffer(buf);
  } catch (err) {
    if (err instanceof TickwireError) throw new TickwireError(err.code, `journal ${path}: ${err.message}`, { reason: err.reason ?? 'JOURNAL_BAD_HEADER' });
    throw err;
  }
}

/** {@link replayJournal} over bytes already in memory. */
export function replayBuffer(buf: Uint8Array): Replayed {
  if (buf.length === 0) return { records: [], tornTail: false, corrupt: 0, ...rebuildState([]), goodBytes: 0 };
  const h = checkHeader(buf);
  if (!h.ok) {
    if (h.partial) return { records: [], tornTail: true, corrupt: 0, ...rebuildState([]), goodBytes: 0, problem: `torn header: ${buf.length} of ${HEADER_BYTES} bytes` };
    throw new TickwireError('INVALID_ARGUMENT', h.message, { reason: 'JOURNAL_BAD_HEADER' });
  }
  const s = scanRecords(buf);
  return {
    records: s.records,
    tornTail: s.tornTail,
    corrupt: s.corrupt,
    ...rebuildState(s.records),
    goodBytes: s.goodBytes,
    ...(s.problem === undefined ? {} : { problem: s.problem }),
  };
}
