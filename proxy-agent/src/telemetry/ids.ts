import { randomFillSync } from 'node:crypto';

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
// One syscall fills randomness for hundreds of ids instead of one per id.
const POOL = Buffer.allocUnsafe(4096);
let offset = POOL.length;

function hex(bytes: number): string {
  if (offset + bytes > POOL.length) {
    randomFillSync(POOL);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < bytes; i++) out += HEX[POOL[offset + i] as number];
  offset += bytes;
  return out;
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
