import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { IngestUnavailableError } from '../ingest/sink.js';
import type { CollectorMetrics } from '../observability/metrics.js';
import { SpoolFullError, type Spool, type SpoolRecord } from '../spool/spool.js';
import type { StorageClient } from '../storage/client.js';
import { insertBatch, isRetryable, type TableRows } from './insert.js';

export interface WriterOptions {
  /** Flush when this many rows are queued. */
  maxBatchRows: number;
  /** Flush at the latest this long after the first queued row. */
  flushIntervalMs: number;
  /** Refuse new rows (back-pressure) beyond this many queued or in-flight rows. */
  maxQueueRows: number;
  /** Retry-After given to refused senders. */
  retryAfterSec: number;
}

/** ClickHouse refused a batch for good (not a transient failure): the request fails, nothing is spooled. */
export class StorageRejectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StorageRejectedError';
  }
}

interface Pending {
  batches: TableRows[];
  rows: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

const MIN_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 15_000;

/**
 * Batches rows from many requests into few large inserts (ClickHouse wants >= thousands of rows per insert)
 * and acknowledges each request once its rows are in ClickHouse or in the spool. Memory is bounded by
 * maxQueueRows: beyond it, callers get QueueFullError (→ 503 + Retry-After). While ClickHouse is unreachable,
 * or while older batches still wait in the spool, new batches go to the spool so replay keeps their order.
 */
export class BatchingWriter {
  #pending: Pending[] = [];
  #pendingRows = 0;
  #inFlightRows = 0;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  #storeUp = true;
  #replayTimer: NodeJS.Timeout | undefined;
  #replaying: Promise<void> | undefined;
  #backoffMs = MIN_BACKOFF_MS;

  constructor(
    private readonly storage: StorageClient,
    private readonly spool: Spool,
    private readonly options: WriterOptions,
    private readonly metrics: CollectorMetrics,
    private readonly log: Logger,
  ) {
    this.metrics.spoolBytes.set(spool.bytes);
    if (!spool.isEmpty()) this.#scheduleReplay(0);
  }

  /** Whether ClickHouse answered the last insert (false while batches are being spooled). */
  get storeReachable(): boolean {
    return this.#storeUp;
  }

  get queuedRows(): number {
    return this.#pendingRows + this.#inFlightRows;
  }

  /** Queues rows of one request (possibly several tables); resolves when they are durable. */
  write(batches: TableRows[]): Promise<void> {
    const rows = batches.reduce((n, b) => n + b.rows.length, 0);
    if (rows === 0) return Promise.resolve();
    const retryAfter = this.options.retryAfterSec;
    if (this.#closed) {
      return Promise.reject(
        new IngestUnavailableError('collector is shutting down', retryAfter, 'shutting_down'),
      );
    }
    if (this.queuedRows + rows > this.options.maxQueueRows) {
      const reason = this.#storeUp ? 'queue_full' : 'store_unavailable';
      return Promise.reject(
        new IngestUnavailableError(
          `write queue full (${this.queuedRows} of ${this.options.maxQueueRows} rows waiting)`,
          retryAfter,
          reason,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ batches, rows, resolve, reject });
      this.#pendingRows += rows;
      this.metrics.queueRows.set(this.queuedRows);
      if (this.#pendingRows >= this.options.maxBatchRows) this.#kick();
      else this.#timer ??= setTimeout(() => this.#kick(), this.options.flushIntervalMs);
    });
  }

  /** Stops accepting, flushes what is queued (to ClickHouse or the spool) and stops replaying. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#kick();
    while (this.#flushing) await this.#flushing;
    clearTimeout(this.#replayTimer);
    this.#replayTimer = undefined;
    await this.#replaying;
  }

  #kick(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#flushing || this.#pending.length === 0) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = undefined;
      // Rows that arrived during the flush: flush them now if a batch is ready, else arm the timer.
      if (this.#pendingRows >= this.options.maxBatchRows || (this.#closed && this.#pending.length))
        this.#kick();
      else if (this.#pending.length)
        this.#timer ??= setTimeout(() => this.#kick(), this.options.flushIntervalMs);
    });
  }

  async #flush(): Promise<void> {
    const taken = this.#pending;
    this.#pending = [];
    this.#inFlightRows = this.#pendingRows;
    this.#pendingRows = 0;
    const batchId = randomUUID();
    const records = mergeByTable(taken).map((b) => ({ ...b, token: `${batchId}-${b.table}` }));
    try {
      await this.#persist(records);
      for (const p of taken) p.resolve();
    } catch (err) {
      for (const p of taken) p.reject(err as Error);
    } finally {
      this.#inFlightRows = 0;
      this.metrics.queueRows.set(this.queuedRows);
    }
  }

  /** Inserts the records, or spools what could not be inserted for a transient reason. */
  async #persist(records: SpoolRecord[]): Promise<void> {
    let i = 0;
    if (this.#storeUp && this.spool.isEmpty()) {
      for (; i < records.length; i++) {
        const record = records[i] as SpoolRecord;
        try {
          await this.#insert(record);
        } catch (err) {
          if (!isRetryable(err)) {
            this.log.error(
              { err, table: record.table, rows: record.rows.length },
              'ClickHouse rejected a batch',
            );
            throw new StorageRejectedError(`ClickHouse rejected the batch: ${(err as Error).message}`, {
              cause: err,
            });
          }
          this.#markDown(err);
          break;
        }
      }
    }
    if (i === records.length) return;
    try {
      await this.spool.append(records.slice(i));
    } catch (err) {
      const message =
        err instanceof SpoolFullError
          ? err.message
          : `ClickHouse is unreachable and the spool could not be written: ${(err as Error).message}`;
      throw new IngestUnavailableError(message, this.options.retryAfterSec, 'store_unavailable');
    }
    this.metrics.spoolBytes.set(this.spool.bytes);
    this.#scheduleReplay(this.#storeUp ? 0 : this.#backoffMs);
  }

  async #insert(record: SpoolRecord): Promise<void> {
    const end = this.metrics.insertDuration.startTimer({ table: record.table });
    try {
      await insertBatch(this.storage, record, record.token);
      end();
      this.metrics.writtenRows.inc({ table: record.table }, record.rows.length);
    } catch (err) {
      this.metrics.insertFailures.inc({ table: record.table });
      throw err;
    }
  }

  #markDown(err: unknown): void {
    if (this.#storeUp)
      this.log.warn({ err }, 'ClickHouse unreachable: spooling batches to disk until it returns');
    this.#storeUp = false;
  }

  #scheduleReplay(delayMs: number): void {
    if (this.#replayTimer || this.#replaying || this.#closed) return;
    this.#replayTimer = setTimeout(() => {
      this.#replayTimer = undefined;
      this.#replaying = this.#replay().finally(() => {
        this.#replaying = undefined;
        if (!this.spool.isEmpty()) this.#scheduleReplay(this.#storeUp ? 0 : this.#backoffMs);
      });
    }, delayMs);
  }

  /** Replays spool segments oldest first until the spool is empty or ClickHouse fails again. */
  async #replay(): Promise<void> {
    while (!this.#closed) {
      const segment = await this.spool.oldest();
      if (!segment) break;
      try {
        for (const record of segment.records) await this.#insert(record);
      } catch (err) {
        if (isRetryable(err)) {
          this.#markDown(err);
          this.#backoffMs = Math.min(this.#backoffMs * 2, MAX_BACKOFF_MS);
          return;
        }
        this.log.error(
          { err, segment: segment.id },
          'ClickHouse rejected a spooled batch; moved to spool/dead',
        );
        await this.spool.quarantine(segment.id, (err as Error).message);
        continue;
      } finally {
        this.metrics.spoolBytes.set(this.spool.bytes);
      }
      await this.spool.remove(segment.id);
      this.metrics.spoolBytes.set(this.spool.bytes);
      if (!this.#storeUp) this.log.info('ClickHouse reachable again: replaying the spool');
      this.#storeUp = true;
      this.#backoffMs = MIN_BACKOFF_MS;
    }
  }
}

function mergeByTable(pending: Pending[]): TableRows[] {
  const byTable = new Map<string, object[]>();
  for (const p of pending) {
    for (const b of p.batches) {
      let rows = byTable.get(b.table);
      if (!rows) byTable.set(b.table, (rows = []));
      for (const r of b.rows) rows.push(r);
    }
  }
  return [...byTable].map(([table, rows]) => ({ table, rows }));
}
