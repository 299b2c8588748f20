/**
 * Bench payloads for bench:collector: OTLP/protobuf ExportTraceServiceRequests of mesh traffic, serialised
 * once by the OpenTelemetry SDK's own serialiser, and the file format the load process reads them from.
 *
 * The load process sends the payloads round after round. So that every send stores distinct spans (the
 * stored count must be work done, not the same rows again), it rewrites the first 4 bytes of every trace
 * id with `original XOR round`: each payload carries the offsets of its trace ids. A trace split over two
 * consecutive payloads gets the same new id in both, so traces stay whole.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { generateSpans, MeshTraffic } from '../../fixtures/mesh-traffic.js';

export interface Payload {
  spans: number;
  body: Buffer;
  /** byte offsets of every span's trace_id (16 bytes) in `body` */
  traceIdOffsets: Uint32Array;
}

export interface PayloadOptions {
  payloads: number;
  spansPerPayload: number;
  /** span start times spread over [nowNs − spreadSec, nowNs) */
  spreadSec: number;
  nowNs: bigint;
}

export function buildPayloads(options: PayloadOptions): Payload[] {
  const traffic = new MeshTraffic({ services: 30, fanOut: [1, 3], maxDepth: 3, errorRate: 0.01, seed: 7 });
  const total = options.payloads * options.spansPerPayload;
  const spreadNs = BigInt(options.spreadSec) * 1_000_000_000n;
  // generateSpans returns whole traces in order; slicing cuts at most one trace per payload boundary.
  const spans = generateSpans(traffic, total, options.nowNs - spreadNs, spreadNs).slice(0, total);
  const out: Payload[] = [];
  for (let i = 0; i < options.payloads; i++) {
    const chunk = spans.slice(i * options.spansPerPayload, (i + 1) * options.spansPerPayload);
    out.push(serialise(chunk));
  }
  return out;
}

function serialise(spans: ReadableSpan[]): Payload {
  const bytes = ProtobufTraceSerializer.serializeRequest(spans);
  if (!bytes) throw new Error('the OpenTelemetry serialiser produced nothing');
  const body = Buffer.from(bytes);
  const offsets: number[] = [];
  for (const traceId of new Set(spans.map((s) => s.spanContext().traceId))) {
    const needle = Buffer.from(traceId, 'hex');
    for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + needle.length)) {
      offsets.push(at);
    }
  }
  // One trace_id per span (the mesh traffic has no links): anything else means the search went wrong.
  if (offsets.length !== spans.length)
    throw new Error(`found ${offsets.length} trace ids in a payload of ${spans.length} spans`);
  return { spans: spans.length, body, traceIdOffsets: Uint32Array.from(offsets) };
}

/** The payload of `round`: a copy with every trace id's first 4 bytes XOR round (round 0: as built). */
export function payloadForRound(payload: Payload, round: number): Buffer {
  const body = Buffer.from(payload.body);
  if (round === 0) return body;
  for (const at of payload.traceIdOffsets) body.writeUInt32BE((body.readUInt32BE(at) ^ round) >>> 0, at);
  return body;
}

// File: per payload [u32 spans][u32 bodyBytes][u32 offsetCount][u32 offsets…][body], little-endian.

export async function writePayloadFile(path: string, payloads: readonly Payload[]): Promise<void> {
  const parts: Buffer[] = [];
  for (const p of payloads) {
    const header = Buffer.alloc(12 + 4 * p.traceIdOffsets.length);
    header.writeUInt32LE(p.spans, 0);
    header.writeUInt32LE(p.body.length, 4);
    header.writeUInt32LE(p.traceIdOffsets.length, 8);
    p.traceIdOffsets.forEach((at, i) => header.writeUInt32LE(at, 12 + 4 * i));
    parts.push(header, p.body);
  }
  await writeFile(path, Buffer.concat(parts));
}

export async function readPayloadFile(path: string): Promise<Payload[]> {
  const file = await readFile(path);
  const payloads: Payload[] = [];
  for (let off = 0; off < file.length;) {
    const spans = file.readUInt32LE(off);
    const bodyBytes = file.readUInt32LE(off + 4);
    const count = file.readUInt32LE(off + 8);
    const offsets = new Uint32Array(count);
    for (let i = 0; i < count; i++) offsets[i] = file.readUInt32LE(off + 12 + 4 * i);
    off += 12 + 4 * count;
    payloads.push({ spans, body: file.subarray(off, off + bodyBytes), traceIdOffsets: offsets });
    off += bodyBytes;
  }
  return payloads;
}
