import protobuf from 'protobufjs/minimal.js';

/**
 * A minimal protobuf writer for hand-built OTLP messages: what the SDK cannot produce (bytes and kvlist
 * attributes, invalid ids, unknown fields, out-of-order fields, odd wire types).
 */
export type Field =
  | readonly [field: number, kind: 'varint', value: number]
  | readonly [field: number, kind: 'int64', value: bigint]
  | readonly [field: number, kind: 'fixed64', value: bigint]
  | readonly [field: number, kind: 'fixed32', value: number]
  | readonly [field: number, kind: 'double', value: number]
  | readonly [field: number, kind: 'string', value: string]
  | readonly [field: number, kind: 'bytes', value: Uint8Array]
  | readonly [field: number, kind: 'message', value: readonly Field[]]
  | readonly [field: number, kind: 'group', value: readonly Field[]];

function write(w: protobuf.Writer, fields: readonly Field[]): void {
  for (const f of fields) {
    const [no] = f;
    switch (f[1]) {
      case 'varint':
        w.uint32((no << 3) | 0).uint32(f[2]);
        break;
      case 'int64': {
        const v = BigInt.asUintN(64, f[2]);
        w.uint32((no << 3) | 0).uint64({
          low: Number(v & 0xffffffffn) | 0,
          high: Number(v >> 32n) | 0,
          unsigned: true,
        });
        break;
      }
      case 'fixed64':
        w.uint32((no << 3) | 1)
          .fixed32(Number(f[2] & 0xffffffffn))
          .fixed32(Number(f[2] >> 32n));
        break;
      case 'fixed32':
        w.uint32((no << 3) | 5).fixed32(f[2]);
        break;
      case 'double':
        w.uint32((no << 3) | 1).double(f[2]);
        break;
      case 'string':
        w.uint32((no << 3) | 2).string(f[2]);
        break;
      case 'bytes':
        w.uint32((no << 3) | 2).bytes(f[2]);
        break;
      case 'message':
        w.uint32((no << 3) | 2).fork();
        write(w, f[2]);
        w.ldelim();
        break;
      case 'group':
        w.uint32((no << 3) | 3);
        write(w, f[2]);
        w.uint32((no << 3) | 4);
        break;
    }
  }
}

export function encode(fields: readonly Field[]): Buffer {
  const w = protobuf.Writer.create();
  write(w, fields);
  return Buffer.from(w.finish());
}

export const hexBytes = (hex: string): Uint8Array => Buffer.from(hex, 'hex');

/** A KeyValue { key = 1, value = 2 (AnyValue fields) } at field number `field`. */
export const kv = (field: number, key: string, value: readonly Field[]): Field => [
  field,
  'message',
  [
    [1, 'string', key],
    [2, 'message', value],
  ],
];
