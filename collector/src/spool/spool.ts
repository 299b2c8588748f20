import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { TableRows } from '../writer/insert.js';

/** One spooled insert: its rows and the deduplication token it was (or will be) inserted with. */
export interface SpoolRecord extends TableRows {
  token: string;
}

export interface SpoolSegment {
  id: string;
  bytes: number;
  records: SpoolRecord[];
}

export class SpoolFullError extends Error {
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`spool full: ${bytes} of ${maxBytes} bytes used while ClickHouse is unreachable`);
    this.name = 'SpoolFullError';
  }
}

const SEGMENT = /^(\d{12})\.seg$/;

/**
 * A bounded on-disk queue of batches that could not be inserted. A batch is acknowledged to its senders
 * only once it is here (fsync'd, atomically renamed into place) or in ClickHouse, so a crash or restart
 * never loses acknowledged data. Segments are replayed oldest first; unreadable or permanently rejected
 * segments are moved to `dead/` with the reason, never deleted silently.
 */
export class Spool {
  #bytes = 0;
  #segments: { id: string; bytes: number }[] = [];
  #nextSeq = 1;

  private constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  static async open(dir: string, maxBytes: number): Promise<Spool> {
    await mkdir(join(dir, 'dead'), { recursive: true });
    const spool = new Spool(dir, maxBytes);
    for (const name of (await readdir(dir)).sort()) {
      if (name.endsWith('.tmp')) {
        // Written but never renamed into place: its batch was never acknowledged.
        await rm(join(dir, name), { force: true });
        continue;
      }
      const m = SEGMENT.exec(name);
      if (!m?.[1]) continue;
      const bytes = (await stat(join(dir, name))).size;
      spool.#segments.push({ id: m[1], bytes });
      spool.#bytes += bytes;
      spool.#nextSeq = Math.max(spool.#nextSeq, Number(m[1]) + 1);
    }
    return spool;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get pendingSegments(): number {
    return this.#segments.length;
  }

  isEmpty(): boolean {
    return this.#segments.length === 0;
  }

  /** Durably appends one segment holding `records`. Throws SpoolFullError when it would pass the bound. */
  async append(records: readonly SpoolRecord[]): Promise<void> {
    const body = records.map((r) => JSON.stringify(r)).join('\n') + '\n';
    const bytes = Buffer.byteLength(body);
    if (this.#bytes + bytes > this.maxBytes) throw new SpoolFullError(this.#bytes, this.maxBytes);
    const id = String(this.#nextSeq++).padStart(12, '0');
    const tmp = join(this.dir, `${id}.seg.tmp`);
    const file = await open(tmp, 'w', 0o600);
    try {
      await file.writeFile(body);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, join(this.dir, `${id}.seg`));
    await syncDir(this.dir);
    this.#segments.push({ id, bytes });
    this.#bytes += bytes;
  }

  /** The oldest segment, parsed; a segment that cannot be parsed is quarantined and the next one read. */
  async oldest(): Promise<SpoolSegment | undefined> {
    for (;;) {
      const head = this.#segments[0];
      if (!head) return undefined;
      try {
        const text = await readFile(join(this.dir, `${head.id}.seg`), 'utf8');
        const records = text
          .split('\n')
          .filter((l) => l.length > 0)
          .map((l) => JSON.parse(l) as SpoolRecord);
        return { id: head.id, bytes: head.bytes, records };
      } catch (err) {
        await this.quarantine(head.id, `unreadable segment: ${(err as Error).message}`);
      }
    }
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.dir, `${id}.seg`), { force: true });
    this.#forget(id);
  }

  /** Moves a segment aside (with the reason next to it) so that it stops blocking the ones after it. */
  async quarantine(id: string, reason: string): Promise<void> {
    await rename(join(this.dir, `${id}.seg`), join(this.dir, 'dead', `${id}.seg`)).catch(() => undefined);
    const note = await open(join(this.dir, 'dead', `${id}.reason.txt`), 'w', 0o600);
    await note.writeFile(reason + '\n');
    await note.close();
    this.#forget(id);
  }

  #forget(id: string): void {
    const i = this.#segments.findIndex((s) => s.id === id);
    if (i < 0) return;
    this.#bytes -= this.#segments[i]?.bytes ?? 0;
    this.#segments.splice(i, 1);
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
