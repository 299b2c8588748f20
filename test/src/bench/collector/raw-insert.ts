/**
 * The reference of bench:collector, in its own process (chDB binds one data directory per process):
 * decodes the bench payloads with the collector's own decoder, then inserts the rows into a fresh chDB
 * (same migrations: same table, projection, indexes and materialized views) through the writer's own
 * insert function, batch after batch from one process, for a fixed time. Only the inserts are timed.
 * Rows get the same per-round trace ids as the load process gives them, so the two runs store the same
 * kind of rows. Prints a JSON RawSummary.
 *   node raw-insert.js <data-dir> <payload-file> <seconds> <batch-rows>
 */
import { randomUUID } from 'node:crypto';
import {
  createStorageClient,
  decodeTraceRequest,
  insertBatch,
  migrate,
  storageConfigSchema,
  Tables,
  type SpanRow,
} from '@meshscope/collector';
import { readPayloadFile } from './payloads.js';
import { countStored, type StoredCounts } from './storage-check.js';

export interface RawSummary {
  rows: number;
  batches: number;
  batchRows: number;
  /** time spent inside the inserts */
  insertSec: number;
  /** CPU time of this process (JavaScript and chDB threads) while inserting */
  cpuSec: number;
  wallSec: number;
  /** peak RSS of this process, MB: how much of the collector's memory is chDB's own */
  peakRssMb: number;
  stored: StoredCounts;
}

/** The trace id of `round`: first 4 bytes XOR round, as payloadForRound does on the wire. */
function traceIdForRound(traceId: string, round: number): string {
  if (round === 0) return traceId;
  const head = ((parseInt(traceId.slice(0, 8), 16) ^ round) >>> 0).toString(16).padStart(8, '0');
  return head + traceId.slice(8);
}

async function main(): Promise<void> {
  const [dataDir, payloadFile, secondsArg, batchArg] = process.argv.slice(2);
  if (!dataDir || !payloadFile)
    throw new Error('usage: raw-insert <data-dir> <payload-file> <seconds> <batch-rows>');
  const seconds = Number(secondsArg ?? 20);
  const batchRows = Number(batchArg ?? 10_000);
  const config = storageConfigSchema.parse({ dataDir });
  const storage = await createStorageClient(config);
  try {
    await migrate(storage, config.retention);
    const rows: SpanRow[] = [];
    for (const p of await readPayloadFile(payloadFile)) rows.push(...decodeTraceRequest(p.body).spans);
    if (rows.length === 0) throw new Error('the payloads decoded to no spans');

    let n = 0;
    let insertMs = 0;
    let batches = 0;
    let cpuUs = 0;
    const started = performance.now();
    const wallLimitMs = seconds * 3000; // the inserts are timed; this only bounds a pathological run
    while (insertMs < seconds * 1000 && performance.now() - started < wallLimitMs) {
      const batch: SpanRow[] = new Array<SpanRow>(batchRows);
      for (let i = 0; i < batchRows; i++, n++) {
        const row = rows[n % rows.length] as SpanRow;
        batch[i] = { ...row, TraceId: traceIdForRound(row.TraceId, Math.floor(n / rows.length)) };
      }
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await insertBatch(storage, { table: Tables.traces, rows: batch }, `bench-${randomUUID()}`);
      const cpu = process.cpuUsage(cpu0);
      cpuUs += cpu.user + cpu.system;
      insertMs += performance.now() - t0;
      batches++;
    }
    const wallSec = (performance.now() - started) / 1000;
    const summary: RawSummary = {
      rows: n,
      batches,
      batchRows,
      insertSec: insertMs / 1000,
      cpuSec: cpuUs / 1e6,
      wallSec,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      stored: await countStored(storage),
    };
    process.stdout.write(JSON.stringify(summary) + '\n');
  } finally {
    await storage.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
