import type { Readable, Writable } from 'node:stream';

/** Envoy's default per-request buffer limit: larger bodies stream once and are never replayed. */
export const REPLAY_LIMIT_BYTES = 1024 * 1024;

/**
 * A request body that streams to the current attempt while keeping references to its chunks (no copies),
 * so a retry or a mirror can replay it. Respects backpressure of the attempt it streams to.
 */
export class ReplayableBody {
  private chunks: Buffer[] = [];
  private size = 0;
  complete = false;
  overflow = false;
  private target: Writable | undefined;
  private readonly waiters: Array<() => void> = [];

  constructor(private readonly req: Readable) {
    req.on('data', (chunk: Buffer) => {
      const t = this.target;
      if (!t) {
        // Nobody to deliver to yet (a fault delay): keep everything, but stop reading past the limit.
        this.chunks.push(chunk);
        this.size += chunk.length;
        if (this.size > REPLAY_LIMIT_BYTES) {
          this.overflow = true;
          req.pause();
        }
        return;
      }
      if (!this.overflow) {
        this.size += chunk.length;
        if (this.size > REPLAY_LIMIT_BYTES) {
          this.overflow = true;
          this.chunks = [];
        } else this.chunks.push(chunk);
      }
      if (!t.write(chunk)) {
        req.pause();
        t.once('drain', () => req.resume());
      }
    });
    req.on('end', () => {
      this.complete = true;
      this.target?.end();
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Can a new attempt get the whole body? */
  get replayable(): boolean {
    return !this.overflow;
  }

  /** Sends the body (so far, then the rest as it arrives) to a new attempt. */
  sendTo(target: Writable): void {
    this.target = target;
    for (const c of this.chunks) target.write(c);
    // Past the limit these chunks were held only for this first delivery: they cannot be replayed.
    if (this.overflow) this.chunks = [];
    if (this.complete) target.end();
    else if (this.req.isPaused()) this.req.resume();
  }

  detach(): void {
    this.target = undefined;
  }

  /** Runs `f` once the whole body has arrived (for mirrors), with the chunks; never when it overflowed. */
  whenComplete(f: (chunks: readonly Buffer[]) => void): void {
    if (this.complete) {
      if (!this.overflow) f(this.chunks);
      return;
    }
    this.waiters.push(() => {
      if (!this.overflow) f(this.chunks);
    });
  }
}
