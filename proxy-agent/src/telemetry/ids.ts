import { randomFillSync } from 'node:crypto';

// One syscall fills randomness for hundreds of ids instead of one per id.
const POOL = Buffer.allocUnsafe(4096);
let offset = POOL.length;

/** Offset of `bytes` fresh random bytes in POOL. */
function take(bytes: number): number {
  if (offset + bytes > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  const at = offset;
  offset += bytes;
  return at;
}

// Ids are made once per request: one flat string each (a `+=` per byte made 16 cons strings, ~460 bytes
// of garbage per trace id).
function hex(bytes: number): string {
  const at = take(bytes);
  return POOL.toString('hex', at, at + bytes);
}

/** 16 random bytes as 32 lowercase hex characters (never all zeros in practice; checked anyway). */
export function newTraceId(): string {
  const id = hex(16);
  return id === '00000000000000000000000000000000' ? newTraceId() : id;
}

export function newSpanId(): string {
  const id = hex(8);
  return id === '0000000000000000' ? newSpanId() : id;
}

const HEX_CODES = Buffer.from('0123456789abcdef', 'latin1');
const UUID = Buffer.from('00000000-0000-4000-8000-000000000000', 'latin1');
/** where each of the 16 bytes' two hex digits go in UUID */
const UUID_AT = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];

/**
 * A random (version 4) UUID for `x-request-id`, as Envoy makes one. Written into a template and read out
 * as one string: crypto.randomUUID() builds its string a byte at a time (~590 bytes of garbage per id).
 */
export function newRequestId(): string {
  const at = take(16);
  for (let i = 0; i < 16; i++) {
    let b = POOL[at + i] as number;
    if (i === 6)
      b = (b & 0x0f) | 0x40; // version 4
    else if (i === 8) b = (b & 0x3f) | 0x80; // RFC 9562 variant
    const p = UUID_AT[i] as number;
    UUID[p] = HEX_CODES[b >> 4] as number;
    UUID[p + 1] = HEX_CODES[b & 0x0f] as number;
  }
  return UUID.toString('latin1', 0, 36);
}
