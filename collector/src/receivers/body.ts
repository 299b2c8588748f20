import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflate } from 'node:zlib';

export interface BodyLimits {
  /** Largest body accepted as sent (compressed). */
  maxBodyBytes: number;
  /** Largest body after decompression: a gzip bomb stops here. */
  maxDecompressedBytes: number;
}

const MiB = 1024 * 1024;
export const DEFAULT_BODY_LIMITS: BodyLimits = { maxBodyBytes: 16 * MiB, maxDecompressedBytes: 64 * MiB };

export type ContentEncoding = 'identity' | 'gzip' | 'deflate';

/** A request body that cannot be read; `statusCode` is the HTTP answer (400, 413 or 415). */
export class BodyError extends Error {
  constructor(
    readonly statusCode: 400 | 413 | 415,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'BodyError';
  }
}

export const SUPPORTED_ENCODINGS = 'gzip, deflate, identity';

export function parseContentEncoding(header: string | undefined): ContentEncoding {
  const value = (header ?? '').trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  throw new BodyError(
    415,
    `Content-Encoding '${header}' is not supported; use one of: ${SUPPORTED_ENCODINGS}`,
  );
}

/**
 * Reads a request body, decompressing on the fly. Both limits are enforced while streaming: the read stops
 * (and the caller answers 413) as soon as either is passed, so a 1 GiB gzip bomb costs at most
 * maxDecompressedBytes of memory, never its full size.
 */
export async function readBody(
  source: Readable,
  encoding: ContentEncoding,
  limits: BodyLimits,
  declaredLength?: number,
): Promise<Buffer> {
  if (declaredLength !== undefined && declaredLength > limits.maxBodyBytes)
    throw tooLarge(limits.maxBodyBytes);
  const chunks: Buffer[] = [];
  let received = 0;
  let decoded = 0;
  const maxDecoded =
    encoding === 'identity'
      ? Math.min(limits.maxBodyBytes, limits.maxDecompressedBytes)
      : limits.maxDecompressedBytes;

  async function* countReceived(stream: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
    for await (const chunk of stream) {
      received += chunk.length;
      if (received > limits.maxBodyBytes) throw tooLarge(limits.maxBodyBytes);
      yield chunk;
    }
  }
  async function collect(stream: AsyncIterable<Buffer>): Promise<void> {
    for await (const chunk of stream) {
      decoded += chunk.length;
      if (decoded > maxDecoded) throw tooLarge(maxDecoded, encoding !== 'identity');
      chunks.push(chunk);
    }
  }

  try {
    if (encoding === 'identity') await pipeline(source, countReceived, collect);
    else await pipeline(source, countReceived, decompressor(encoding), collect);
  } catch (err) {
    throw bodyError(err, encoding);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, decoded);
}

function tooLarge(limit: number, decompressed = false): BodyError {
  return new BodyError(
    413,
    `request body is larger than ${limit} bytes${decompressed ? ' once decompressed' : ''}; send smaller batches`,
  );
}

/** HTTP's `deflate` is zlib-wrapped deflate (RFC 9110), which createInflate expects. */
function decompressor(encoding: 'gzip' | 'deflate'): Transform {
  return encoding === 'gzip' ? createGunzip() : createInflate();
}

function bodyError(err: unknown, encoding: ContentEncoding): Error {
  if (err instanceof BodyError) return err;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new BodyError(400, `request body is not valid ${encoding} data: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNRESET') {
    return new BodyError(400, 'the request body ended early (client closed the connection)', { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
