import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import protobuf from 'protobufjs/minimal.js';

/** google.rpc.Status { 1: code, 2: message, 3: details (Any) } read from protobuf bytes. */
export function decodeStatus(bytes: Uint8Array): { code: number; message: string; details: Buffer[] } {
  const r = protobuf.Reader.create(Buffer.from(bytes));
  const status = { code: 0, message: '', details: [] as Buffer[] };
  while (r.pos < r.len) {
    const tag = r.uint32();
    if (tag === 0x08) status.code = r.int32();
    else if (tag === 0x12) status.message = r.string();
    else if (tag === 0x1a) status.details.push(Buffer.from(r.bytes()));
    else r.skipType(tag & 7);
  }
  return status;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * POST over a real socket (no keep-alive). The server may answer before the body is fully sent (413 on a
 * gzip bomb) and close: write errors after the response has arrived are expected and ignored.
 */
export function post(
  url: string,
  headers: Record<string, string>,
  body: Buffer | Readable,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(url, { method: 'POST', headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (Buffer.isBuffer(body)) {
      req.end(body);
    } else {
      body.on('error', () => req.destroy());
      body.pipe(req);
    }
  });
}
