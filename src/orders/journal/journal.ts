/**
 * The append-only order journal: every order intent, venue ack and fill is written (checksummed,
 * durable per the fsync policy) before the engine acts on it. See docs/journal.md.
 *
 * IMPLEMENTATION NOTES
 * One writer per journal: records are framed straight into an in-memory buffer by `append()`
 * (JSON.stringify, one `buf.write`, a CRC), and a single async loop writes the buffer with one
 * write() per batch (the fd is O_APPEND; short writes are continued), then calls fdatasync once,
 * then resolves every append of the batch (they share one promise). While a batch is being
 * written and synced, new records accumulate in a second buffer, so at high rates each batch
 * carries everything that arrived during the previous fsync (group commit): `batchRecords` is the
 * size that triggers a write, not a cap. 'always' frames each record in its own buffer and gives
 * it its own write + fdatasync, in append order.
 * A write or fsync error is sticky: after a failed fsync the page cache can no longer be trusted
 * to match the disk, so the journal rejects that batch and every later append; reopen it (which
 * truncates a partial tail) to continue.
 */
import fs from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';

import { TickwireError } from '../../native/errors.js';
import { checkHeader, encodeHeader, encodeRecord, frameRecord, HEADER_BYTES, MAX_RECORD_BYTES, RECORD_HEADER_BYTES, scanRecords } from './format.js';
import type { FsyncPolicy, JournalOptions, JournalRecord, JournalStats } from './types.js';

const openFd = promisify(fs.open);
const closeFd = promisify(fs.close);
const fstat = promisify(fs.fstat);
const ftruncate = promisify(fs.ftruncate);
/** Looked up on each call (not bound at load), so tests can observe the sync calls. */
const fdatasync = (fd: number): Promise<void> => new Promise((res, rej) => fs.fdatasync(fd, (err) => (err ? rej(err) : res())));
const fsyncFd = promisify(fs.fsync);
const readFd = promisify(fs.readFile);

function writeSome(fd: number, buf: Buffer, off: number, len: number): Promise<number> {
  return new Promise((res, rej) => fs.write(fd, buf, off, len, null, (err, n) => (err ? rej(err) : res(n))));
}

async function writeAll(fd: number, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) off += await writeSome(fd, buf, off, buf.length - off);
}

async function fsyncDir(path: string): Promise<void> {
  const fd = await openFd(dirname(path), 'r');
  try {
    await fsyncFd(fd);
  } finally {
    await closeFd(fd);
  }
}

const POLICIES: ReadonlySet<string> = new Set(['always', 'batch', 'none']);
/** Absolute paths with an open Journal in this process: one writer per file. */
const openPaths = new Set<string>();

interface Batch {
  count: number;
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: Error) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits any more (e.g. after a failure) must not become an unhandled rejection;
  // every append() caller still gets the rejection through the promise it holds.
  promise.catch(() => undefined);
  return { count: 0, promise, resolve, reject };
}

interface Sealed {
  batch: Batch;
  data: Buffer;
  /** The buffer `data` lives in, handed back for reuse after the write ('batch'/'none'). */
  owner: Buffer | null;
}

/** What `Journal.open` found in an existing file. */
export interface JournalRecovery {
  /** Good records already in the file. */
  records: number;
  /** A torn last record was found and truncated away. */
  tornTail: boolean;
  /** Bytes removed from the end of the file (the torn tail). */
  truncatedBytes: number;
}

function invalid(message: string): TickwireError {
  return new TickwireError('INVALID_ARGUMENT', message);
}

export class Journal {
  readonly path: string;
  readonly policy: FsyncPolicy;
  readonly batchMs: number;
  readonly batchRecords: number;
  /** What opening found in the file (added member, not in the contract). */
  readonly recovered: JournalRecovery;

  #fd: number;
  #buf: Buffer = Buffer.allocUnsafe(64 * 1024);
  #spare: Buffer | null = Buffer.allocUnsafe(64 * 1024);
  #len = 0;
  #cur: Batch = newBatch();
  #queue: Sealed[] = [];
  #due = false;
  #writing = false;
  #timer: NodeJS.Timeout | null = null;
  #immediate: NodeJS.Immediate | null = null;
  #failed: TickwireError | null = null;
  #closing: Promise<void> | null = null;
  #idle: (() => void) | null = null;
  #records = 0;
  #fsyncs = 0;
  #bytes = 0;

  private constructor(path: string, fd: number, o: JournalOptions, recovered: JournalRecovery, headerBytes: number) {
    this.path = path;
    this.#fd = fd;
    this.policy = o.fsync;
    this.batchMs = o.batchMs ?? 0;
    this.batchRecords = o.batchRecords ?? 256;
    this.recovered = recovered;
    this.#bytes = headerBytes;
    if (headerBytes) this.#fsyncs = 1;
  }

  /**
   * Opens (creating it if needed) the journal at `o.path` for appending. An existing file is
   * scanned: a torn last record is truncated away and appends continue after the last good
   * record. Throws INVALID_ARGUMENT for bad options, a file that is not a journal, a journal with
   * a corrupt record before its end (reason 'JOURNAL_CORRUPT': appending after it would write
   * records replay can never reach), or a path already open in this process; SYSTEM_ERROR when
   * the file cannot be opened, read or written.
   */
  static async open(o: JournalOptions): Promise<Journal> {
    if (typeof o !== 'object' || o === null) throw invalid('journal options must be an object');
    if (typeof o.path !== 'string' || o.path === '') throw invalid('journal path must be a non-empty string');
    if (!POLICIES.has(o.fsync)) throw invalid(`journal fsync must be 'always', 'batch' or 'none' (got ${JSON.stringify(o.fsync)})`);
    if (o.batchMs !== undefined && !(Number.isFinite(o.batchMs) && o.batchMs >= 0 && o.batchMs <= 60_000))
      throw invalid(`journal batchMs must be a number of ms in 0..60000 (got ${String(o.batchMs)})`);
    if (o.batchRecords !== undefined && !(Number.isInteger(o.batchRecords) && o.batchRecords >= 1))
      throw invalid(`journal batchRecords must be an integer >= 1 (got ${String(o.batchRecords)})`);
    const path = resolvePath(o.path);
    if (openPaths.has(path)) throw invalid(`journal ${path} is already open in this process (one writer per journal)`);
    openPaths.add(path);
    let fd = -1;
    try {
      fd = await openFd(path, 'a+');
      const size = (await fstat(fd)).size;
      let recovered: JournalRecovery = { records: 0, tornTail: false, truncatedBytes: 0 };
      let headerBytes = 0;
      const head = size === 0 ? null : await readFd(fd);
      const check = head ? checkHeader(head) : null;
      if (!head || (check && !check.ok && check.partial)) {
        // New file, or a crash while the header was being written: start it (again).
        if (size) await ftruncate(fd, 0);
        const h = encodeHeader();
        await writeAll(fd, h);
        await fdatasync(fd);
        await fsyncDir(path);
        headerBytes = h.length;
        recovered = { records: 0, tornTail: size > 0, truncatedBytes: size };
      } else {
        if (check && !check.ok) throw new TickwireError('INVALID_ARGUMENT', `journal ${path}: ${check.message}`, { reason: 'JOURNAL_BAD_HEADER' });
        const s = scanRecords(head);
        if (s.corrupt) {
          throw new TickwireError('INVALID_ARGUMENT', `journal ${path}: ${s.problem ?? 'corrupt record'}; replayJournal() returns the records before it — move the file aside to start a new journal`, {
            reason: 'JOURNAL_CORRUPT',
          });
        }
        if (s.tornTail) {
          await ftruncate(fd, s.goodBytes);
          await fdatasync(fd);
        }
        recovered = { records: s.records.length, tornTail: s.tornTail, truncatedBytes: head.length - s.goodBytes };
      }
      return new Journal(path, fd, o, recovered, headerBytes);
    } catch (err) {
      openPaths.delete(path);
      if (fd >= 0) await closeFd(fd).catch(() => undefined);
      if (err instanceof TickwireError) throw err;
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      throw new TickwireError('SYSTEM_ERROR', `journal ${path}: ${(err as Error).message}`, { reason: code, cause: err });
    }
  }

  /** Counters (a snapshot): records made durable, fdatasync calls, bytes written. */
  get stats(): JournalStats {
    return { records: this.#records, fsyncs: this.#fsyncs, bytes: this.#bytes };
  }

  /**
   * Appends a record. Resolves once it is durable per the policy ('always': its own fdatasync,
   * 'batch': the batch's fdatasync, 'none': written to the OS). Records are written in the order
   * of the append() calls. Rejects with INVALID_ARGUMENT for a record that cannot be encoded
   * (not JSON-serialisable, or over 1 MiB), CONN_CLOSED after close(), SYSTEM_ERROR when a write
   * or fsync failed (sticky).
   */
  append(r: JournalRecord): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closing) return Promise.reject(new TickwireError('CONN_CLOSED', `journal ${this.path} is closed`));
    let json: string | undefined;
    try {
      json = JSON.stringify(r) as string | undefined;
    } catch (err) {
      return Promise.reject(new TickwireError('INVALID_ARGUMENT', `journal record cannot be encoded: ${(err as Error).message}`, { cause: err }));
    }
    if (typeof json !== 'string' || typeof (r as { t?: unknown }).t !== 'string') return Promise.reject(invalid('journal record must be an object with a string `t`'));
    if (this.policy === 'always') {
      const data = encodeRecord(r, json);
      if (data.length - RECORD_HEADER_BYTES > MAX_RECORD_BYTES) return Promise.reject(invalid(`journal record is ${data.length - RECORD_HEADER_BYTES} bytes (max ${MAX_RECORD_BYTES})`));
      const batch = newBatch();
      batch.count = 1;
      this.#queue.push({ batch, data, owner: null });
      this.#kick();
      return batch.promise;
    }
    // Frame in place: header slot, payload, then length and CRC.
    const worst = RECORD_HEADER_BYTES + json.length * 3;
    if (this.#len + worst > this.#buf.length) this.#grow(worst);
    const at = this.#len;
    const n = frameRecord(this.#buf, at, json);
    // Not committed (#len stays): the bytes past #len are overwritten by the next record.
    if (n > MAX_RECORD_BYTES) return Promise.reject(invalid(`journal record is ${n} bytes (max ${MAX_RECORD_BYTES})`));
    this.#len = at + RECORD_HEADER_BYTES + n;
    const batch = this.#cur;
    batch.count++;
    if (batch.count >= this.batchRecords) {
      this.#due = true;
      this.#kick();
    } else if (batch.count === 1) {
      if (this.policy === 'batch' && this.batchMs > 0) {
        this.#timer = setTimeout(() => {
          this.#timer = null;
          this.#due = true;
          this.#kick();
        }, this.batchMs);
      } else {
        this.#immediate = setImmediate(() => {
          this.#immediate = null;
          this.#due = true;
          this.#kick();
        });
      }
    }
    return batch.promise;
  }

  /**
   * Writes what is pending, makes the file durable (one last fdatasync, whatever the policy),
   * closes it. Appends after close() reject with CONN_CLOSED. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#due = true;
    this.#kick();
    if (this.#writing) await new Promise<void>((res) => (this.#idle = res));
    this.#clearTimers();
    try {
      if (!this.#failed) {
        await fdatasync(this.#fd);
        this.#fsyncs++;
      }
    } finally {
      openPaths.delete(this.path);
      await closeFd(this.#fd);
    }
    if (this.#failed) throw this.#failed;
  }

  #grow(need: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.#buf.length * 2, this.#len + need));
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  #clearTimers(): void {
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#immediate) clearImmediate(this.#immediate);
    this.#timer = null;
    this.#immediate = null;
  }

  /** Takes the accumulating batch for writing and starts a new one in the spare buffer. */
  #seal(): Sealed {
    this.#clearTimers();
    this.#due = false;
    const owner = this.#buf;
    const sealed: Sealed = { batch: this.#cur, data: owner.subarray(0, this.#len), owner };
    this.#buf = this.#spare ?? Buffer.allocUnsafe(owner.length);
    this.#spare = null;
    this.#len = 0;
    this.#cur = newBatch();
    return sealed;
  }

  #kick(): void {
    if (!this.#writing && !this.#failed) void this.#run();
  }

  async #run(): Promise<void> {
    this.#writing = true;
    try {
      for (;;) {
        let item = this.#queue.shift();
        if (!item) {
          if (this.#cur.count > 0 && (this.#due || this.#cur.count >= this.batchRecords || this.#closing)) item = this.#seal();
          else break;
        }
        try {
          await writeAll(this.#fd, item.data);
          this.#bytes += item.data.length;
          if (this.policy !== 'none') {
            await fdatasync(this.#fd);
            this.#fsyncs++;
          }
        } catch (err) {
          this.#fail(err, item.batch);
          break;
        }
        if (item.owner && (!this.#spare || this.#spare.length < item.owner.length)) this.#spare = item.owner;
        this.#records += item.batch.count;
        item.batch.resolve();
      }
    } finally {
      this.#writing = false;
      const idle = this.#idle;
      this.#idle = null;
      idle?.();
    }
  }

  #fail(err: unknown, batch: Batch): void {
    const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
    this.#failed = new TickwireError('SYSTEM_ERROR', `journal ${this.path}: write failed, the journal is closed to appends: ${(err as Error).message}`, { reason: code, cause: err });
    this.#clearTimers();
    batch.reject(this.#failed);
    for (const q of this.#queue.splice(0)) q.batch.reject(this.#failed);
    if (this.#cur.count) this.#cur.reject(this.#failed);
    this.#cur = newBatch();
    this.#len = 0;
  }
}
