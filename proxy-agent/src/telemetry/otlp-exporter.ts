/**
 * OTLP/HTTP protobuf export that can never slow traffic down: spans go into a bounded ring (the oldest is
 * dropped and counted when full), batches leave by size or delay, one request per signal at a time,
 * gzip runs on libuv's thread pool, and retryable answers (429/502/503/504, network errors) are retried
 * with backoff honouring Retry-After while new data keeps queueing.
 */
import http from 'node:http';
import https from 'node:https';
import { gzip } from 'node:zlib';
import { ProtobufMetricsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Logger } from 'pino';

export interface ExporterOptions {
  collectorUrl: string;
  compression: 'gzip' | 'none';
  timeoutMs: number;
  maxQueueSize: number;
  batchSize: number;
  batchDelayMs: number;
  /** at most this many metric payloads wait while the collector is unreachable */
  maxMetricPayloads?: number;
  maxAttempts?: number;
}

export interface ExporterStats {
  spansExported: number;
  spansDropped: number;
  metricPayloadsExported: number;
  metricPayloadsDropped: number;
  exportFailures: number;
  exportRetries: number;
}

const RETRYABLE = new Set([429, 502, 503, 504]);

type SendResult =
  { ok: true } | { ok: false; retryable: boolean; retryAfterMs: number | undefined; reason: string };

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export class OtlpExporter {
  readonly stats: ExporterStats = {
    spansExported: 0,
    spansDropped: 0,
    metricPayloadsExported: 0,
    metricPayloadsDropped: 0,
    exportFailures: 0,
    exportRetries: 0,
  };
  private readonly ring: Array<Uint8Array | undefined>;
  private head = 0;
  private len = 0;
  private spanTimer: NodeJS.Timeout | undefined;
  private spansBusy = false;
  private readonly metricPayloads: Uint8Array[] = [];
  private metricsBusy = false;
  private readonly agent: http.Agent;
  private readonly requests = new Set<http.ClientRequest>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private closed = false;
  private readonly tracesUrl: URL;
  private readonly metricsUrl: URL;
  private readonly idle = new Set<() => void>();

  constructor(
    private readonly opts: ExporterOptions,
    private readonly log: Logger,
  ) {
    this.ring = new Array<Uint8Array | undefined>(opts.maxQueueSize);
    const base = opts.collectorUrl.replace(/\/+$/, '');
    this.tracesUrl = new URL(`${base}/v1/traces`);
    this.metricsUrl = new URL(`${base}/v1/metrics`);
    const Agent = this.tracesUrl.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 2, timeout: 4000 });
  }

  /**
   * Queues one span. It is serialised right away: a queue of small byte arrays costs the garbage
   * collector nothing, where hundreds of live span objects (tens of attributes each) got promoted to the
   * old generation and cost multi-millisecond pauses under load. A batch is the concatenation of these
   * one-span ExportTraceServiceRequest messages, itself a valid message (repeated fields concatenate).
   */
  addSpan(span: ReadableSpan): void {
    const bytes = ProtobufTraceSerializer.serializeRequest([span]);
    if (!bytes) return;
    const cap = this.ring.length;
    if (this.len === cap) {
      // Full: the oldest span makes room. Fresh data is worth more than stale data.
      this.head = (this.head + 1) % cap;
      this.len--;
      this.stats.spansDropped++;
    }
    this.ring[(this.head + this.len) % cap] = bytes;
    this.len++;
    if (this.len >= this.opts.batchSize) this.kickSpans();
    else if (!this.spanTimer && !this.closed) {
      this.spanTimer = setTimeout(() => {
        this.spanTimer = undefined;
        this.kickSpans();
      }, this.opts.batchDelayMs);
      this.spanTimer.unref();
    }
  }

  addMetrics(rm: ResourceMetrics): void {
    const body = ProtobufMetricsSerializer.serializeRequest(rm);
    if (!body) return;
    const max = this.opts.maxMetricPayloads ?? 20;
    if (this.metricPayloads.length >= max) {
      this.metricPayloads.shift();
      this.stats.metricPayloadsDropped++;
    }
    this.metricPayloads.push(body);
    this.kickMetrics();
  }

  private takeBatch(): Uint8Array[] {
    const n = Math.min(this.len, this.opts.batchSize);
    const out = new Array<Uint8Array>(n);
    const cap = this.ring.length;
    for (let i = 0; i < n; i++) {
      const idx = (this.head + i) % cap;
      out[i] = this.ring[idx] as Uint8Array;
      this.ring[idx] = undefined;
    }
    this.head = (this.head + n) % cap;
    this.len -= n;
    return out;
  }

  private kickSpans(): void {
    if (this.spansBusy || this.len === 0) return;
    if (this.spanTimer) {
      clearTimeout(this.spanTimer);
      this.spanTimer = undefined;
    }
    this.spansBusy = true;
    const batch = this.takeBatch();
    void this.deliver(this.tracesUrl, Buffer.concat(batch)).then((ok) => {
      if (ok) this.stats.spansExported += batch.length;
      else this.stats.spansDropped += batch.length;
      this.spansBusy = false;
      if (this.len >= this.opts.batchSize || (this.len > 0 && this.closed)) this.kickSpans();
      else if (this.len > 0 && !this.spanTimer && !this.closed) {
        this.spanTimer = setTimeout(() => {
          this.spanTimer = undefined;
          this.kickSpans();
        }, this.opts.batchDelayMs);
        this.spanTimer.unref();
      }
      this.notifyIdle();
    });
  }

  private kickMetrics(): void {
    if (this.metricsBusy) return;
    const body = this.metricPayloads.shift();
    if (!body) return;
    this.metricsBusy = true;
    void this.deliver(this.metricsUrl, body).then((ok) => {
      if (ok) this.stats.metricPayloadsExported++;
      else this.stats.metricPayloadsDropped++;
      this.metricsBusy = false;
      this.kickMetrics();
      this.notifyIdle();
    });
  }

  private notifyIdle(): void {
    if (this.spansBusy || this.metricsBusy) return;
    for (const f of this.idle) f();
  }

  /** Sends one payload with retries; resolves true when the collector accepted it. */
  private async deliver(url: URL, raw: Uint8Array): Promise<boolean> {
    if (raw.length === 0) return true;
    let body: Buffer;
    try {
      body =
        this.opts.compression === 'gzip'
          ? await gzipAsync(raw)
          : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    } catch {
      return false;
    }
    const maxAttempts = this.opts.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      const r = await this.send(url, body);
      if (r.ok) return true;
      if (!r.retryable || attempt >= maxAttempts || this.closed) {
        this.stats.exportFailures++;
        this.log.warn({ url: url.href, reason: r.reason, attempts: attempt }, 'telemetry export dropped');
        return false;
      }
      this.stats.exportRetries++;
      const backoff = Math.min(1000 * 2 ** (attempt - 1), 30_000) * (0.5 + Math.random() / 2);
      await this.sleep(Math.min(r.retryAfterMs ?? backoff, 60_000));
      if (this.closed) {
        this.stats.exportFailures++;
        return false;
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.sleepers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      entry.timer.unref();
      this.sleepers.add(entry);
    });
  }

  private send(url: URL, body: Buffer): Promise<SendResult> {
    return new Promise((resolve) => {
      const headers: http.OutgoingHttpHeaders = {
        'content-type': 'application/x-protobuf',
        'content-length': body.length,
      };
      if (this.opts.compression === 'gzip') headers['content-encoding'] = 'gzip';
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, {
        method: 'POST',
        agent: this.agent,
        headers,
        timeout: this.opts.timeoutMs,
      });
      this.requests.add(req);
      const done = (r: SendResult) => {
        this.requests.delete(req);
        resolve(r);
      };
      req.on('timeout', () => req.destroy(new Error('export timed out')));
      req.on('error', (e) =>
        done({ ok: false, retryable: true, retryAfterMs: undefined, reason: e.message }),
      );
      req.on('response', (res) => {
        res.resume();
        res.on('error', () => undefined);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return done({ ok: true });
          const ra = res.headers['retry-after'];
          done({
            ok: false,
            retryable: RETRYABLE.has(status),
            retryAfterMs: parseRetryAfter(ra, Date.now()),
            reason: `HTTP ${status}`,
          });
        });
      });
      req.end(body);
    });
  }

  /** Sends what is queued (bounded by `timeoutMs`), then stops. */
  async close(timeoutMs: number): Promise<void> {
    if (this.spanTimer) clearTimeout(this.spanTimer);
    this.spanTimer = undefined;
    this.kickSpans();
    this.kickMetrics();
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!this.spansBusy && !this.metricsBusy && (this.len === 0 || this.closed)) finish();
        else if (!this.spansBusy && this.len > 0) this.kickSpans();
      };
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.idle.delete(check);
        resolve();
      };
      this.idle.add(check);
      check();
    });
    this.closed = true;
    for (const s of this.sleepers) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.sleepers.clear();
    for (const r of this.requests) r.destroy();
    this.agent.destroy();
  }
}

function gzipAsync(data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => gzip(data, (err, out) => (err ? reject(err) : resolve(out))));
}
