/**
 * A minimal OTLP/HTTP receiver for tests: decodes protobuf (gzip or not) with protobufjs from the subset of
 * opentelemetry-proto below, and lets tests await spans and metrics. collector/src/otlp has decoders, but
 * they are not part of the collector's public exports, and tests should check the wire format on their own.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package otlp;
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message Scope { string name = 1; string version = 2; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8; repeated KeyValue attributes = 9;
  Status status = 15;
}
message ScopeSpans { Scope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message TraceRequest { repeated ResourceSpans resource_spans = 1; }
message HistogramDataPoint {
  repeated KeyValue attributes = 9; fixed64 start_time_unix_nano = 2; fixed64 time_unix_nano = 3; fixed64 count = 4;
  double sum = 5; repeated fixed64 bucket_counts = 6; repeated double explicit_bounds = 7;
}
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message NumberDataPoint { repeated KeyValue attributes = 7; fixed64 time_unix_nano = 3; double as_double = 4; sfixed64 as_int = 6; }
message Gauge { repeated NumberDataPoint data_points = 1; }
message Metric { string name = 1; string unit = 3; Gauge gauge = 5; Histogram histogram = 9; }
message ScopeMetrics { Scope scope = 1; repeated Metric metrics = 2; }
message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message MetricsRequest { repeated ResourceMetrics resource_metrics = 1; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const TraceRequest = root.lookupType('otlp.TraceRequest');
const MetricsRequest = root.lookupType('otlp.MetricsRequest');

export interface SinkSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
  statusCode: number;
}

export interface SinkHistogramPoint {
  name: string;
  unit: string;
  temporality: number;
  attributes: Record<string, unknown>;
  count: number;
  bounds: number[];
  resource: Record<string, unknown>;
}

interface Kv {
  key: string;
  value?: { string_value?: string; bool_value?: boolean; int_value?: unknown; double_value?: number };
}

function attrs(list: Kv[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) {
    const v = kv.value ?? {};
    out[kv.key] =
      v.string_value ?? v.bool_value ?? (v.int_value !== undefined ? Number(v.int_value) : v.double_value);
  }
  return out;
}

const hex = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : '');

export class OtlpSink {
  readonly spans: SinkSpan[] = [];
  readonly points: SinkHistogramPoint[] = [];
  readonly gauges: Array<{ name: string; attributes: Record<string, unknown>; value: number }> = [];
  requests = 0;
  gzipped = 0;
  /** accepted request bodies, decompressed, for decoding with other decoders */
  readonly rawTraces: Buffer[] = [];
  readonly rawMetrics: Buffer[] = [];
  /** the Authorization header of each request, in order ('' when absent) */
  readonly authorizations: string[] = [];
  /** statuses to answer with, in order, before answering 200 */
  failWith: Array<{ status: number; retryAfter?: string }> = [];
  private waiters: Array<() => void> = [];
  private server: http.Server | https.Server;
  port = 0;

  /** with `tls`, an https receiver (its certificate must name 127.0.0.1) */
  constructor(private readonly tls?: { cert: string; key: string }) {
    const handler: http.RequestListener = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        this.authorizations.push(req.headers.authorization ?? '');
        const fail = this.failWith.shift();
        if (fail) {
          res.writeHead(fail.status, fail.retryAfter ? { 'retry-after': fail.retryAfter } : {});
          res.end();
          for (const w of this.waiters.splice(0)) w();
          return;
        }
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') {
          this.gzipped++;
          body = gunzipSync(body);
        }
        if (req.url === '/v1/traces') {
          this.rawTraces.push(body);
          this.addTraces(body);
        } else if (req.url === '/v1/metrics') {
          this.rawMetrics.push(body);
          this.addMetrics(body);
        }
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
        for (const w of this.waiters.splice(0)) w();
      });
    };
    this.server = tls ? https.createServer(tls, handler) : http.createServer(handler);
  }

  async start(): Promise<this> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get url(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  private addTraces(body: Buffer): void {
    const msg = TraceRequest.toObject(TraceRequest.decode(body), { longs: Number, bytes: Uint8Array }) as {
      resource_spans?: Array<{
        resource?: { attributes?: Kv[] };
        scope_spans?: Array<{ spans?: Array<Record<string, unknown>> }>;
      }>;
    };
    for (const rs of msg.resource_spans ?? []) {
      const resource = attrs(rs.resource?.attributes);
      for (const ss of rs.scope_spans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            traceId: hex(s.trace_id as Uint8Array),
            spanId: hex(s.span_id as Uint8Array),
            parentSpanId: hex(s.parent_span_id as Uint8Array | undefined),
            name: s.name as string,
            kind: (s.kind as number | undefined) ?? 0,
            attributes: attrs(s.attributes as Kv[]),
            resource,
            statusCode: (s.status as { code?: number } | undefined)?.code ?? 0,
          });
        }
      }
    }
  }

  private addMetrics(body: Buffer): void {
    const msg = MetricsRequest.toObject(MetricsRequest.decode(body), { longs: Number }) as {
      resource_metrics?: Array<{
        resource?: { attributes?: Kv[] };
        scope_metrics?: Array<{
          metrics?: Array<{
            name: string;
            unit?: string;
            histogram?: {
              aggregation_temporality?: number;
              data_points?: Array<{ attributes?: Kv[]; count?: number; explicit_bounds?: number[] }>;
            };
            gauge?: { data_points?: Array<{ attributes?: Kv[]; as_int?: number; as_double?: number }> };
          }>;
        }>;
      }>;
    };
    for (const rm of msg.resource_metrics ?? []) {
      const resource = attrs(rm.resource?.attributes);
      for (const sm of rm.scope_metrics ?? []) {
        for (const m of sm.metrics ?? []) {
          for (const p of m.histogram?.data_points ?? []) {
            this.points.push({
              name: m.name,
              unit: m.unit ?? '',
              temporality: m.histogram?.aggregation_temporality ?? 0,
              attributes: attrs(p.attributes),
              count: p.count ?? 0,
              bounds: p.explicit_bounds ?? [],
              resource,
            });
          }
          for (const p of m.gauge?.data_points ?? []) {
            this.gauges.push({
              name: m.name,
              attributes: attrs(p.attributes),
              value: Number(p.as_int ?? p.as_double ?? 0),
            });
          }
        }
      }
    }
  }

  /** Resolves when `ready()` holds, checked after every export received; rejects after `timeoutMs`. */
  async until(ready: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting for OTLP data');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((r) => {
      this.server.closeAllConnections();
      this.server.close(() => r());
    });
  }
}
