import protobuf from 'protobufjs/minimal.js';
import type { Reader } from 'protobufjs/minimal.js';
import type { AttributeMap } from '../../storage/rows.js';
import { DecodeError } from '../errors.js';
import {
  MAX_VALUE_DEPTH,
  formatDouble,
  jsonArray,
  jsonDouble,
  jsonObject,
  jsonString,
  setAttribute,
} from '../stringify.js';

/**
 * The wire-level half of the OTLP decoders: a protobufjs Reader over one request plus helpers that read
 * OTLP's common messages (KeyValue, AnyValue, InstrumentationScope) straight into row values, without
 * building message objects. Nested messages are entered by narrowing `reader.len` to the message's end,
 * so every read is bounds-checked against its own message and a lying length prefix is caught where it
 * lies. Tags are matched whole (field number and wire type together): a known field number with an
 * unexpected wire type is skipped like an unknown field, as protobuf requires.
 */
export class ProtoWalker {
  protected readonly r: Reader;

  constructor(protected readonly buf: Buffer) {
    this.r = protobuf.Reader.create(buf);
  }

  /** Narrows the reader to the length-delimited message at the cursor; returns the limit to restore. */
  protected enter(): number {
    const r = this.r;
    const length = r.uint32();
    const end = r.pos + length;
    if (end > r.len) {
      throw new DecodeError(
        `truncated protobuf: a field of ${length} bytes at offset ${r.pos} runs past the end of its message`,
      );
    }
    const outer = r.len;
    r.len = end;
    return outer;
  }

  protected leave(outer: number): void {
    this.r.len = outer;
  }

  protected skip(tag: number): void {
    if (tag >>> 3 === 0) throw new DecodeError(`garbled protobuf: field number 0 at offset ${this.r.pos}`);
    this.r.skipType(tag & 7);
  }

  /** fixed64 as an exact unsigned value (timestamps exceed 2^53). */
  protected fixed64(): bigint {
    const lo = this.r.fixed32();
    const hi = this.r.fixed32();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** fixed64 counts as numbers: exact up to 2^53, far beyond any real bucket count. */
  protected fixed64Number(): number {
    const lo = this.r.fixed32();
    return this.r.fixed32() * 4294967296 + lo;
  }

  /** sfixed64 (an int data point) as a number, the type of the Value columns. */
  protected sfixed64Number(): number {
    const lo = this.r.fixed32();
    return (this.r.fixed32() | 0) * 4294967296 + lo;
  }

  /** Length-delimited bytes as lowercase hex, read in place. */
  protected hex(): string {
    const r = this.r;
    const length = r.uint32();
    const start = r.pos;
    if (start + length > r.len)
      throw new DecodeError(`truncated protobuf: id of ${length} bytes at ${start}`);
    r.pos = start + length;
    return length === 0 ? '' : this.buf.toString('hex', start, start + length);
  }

  protected base64(): string {
    const r = this.r;
    const length = r.uint32();
    const start = r.pos;
    if (start + length > r.len) throw new DecodeError(`truncated protobuf: bytes of ${length} at ${start}`);
    r.pos = start + length;
    return this.buf.toString('base64', start, start + length);
  }

  /**
   * int64 varint as a decimal string. Small non-negative values (the common case: status codes, ports,
   * sizes) are accumulated in a double, exact below 2^49; longer ones (negative values take ten bytes)
   * exactly in a BigInt. Reader.int64() is not used: it returns a lossy number whenever protobufjs
   * cannot load `long`, which depends on the module loader.
   */
  protected int64Decimal(): string {
    const r = this.r;
    const buf = this.buf;
    const start = r.pos;
    let value = 0;
    let scale = 1;
    for (let p = start; p < r.len && p < start + 7; p++) {
      const b = buf[p]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) {
        r.pos = p + 1;
        return String(value);
      }
      scale *= 128;
    }
    let big = 0n;
    for (let i = 0, p = start; i < 10 && p < r.len; i++, p++) {
      const b = buf[p]!;
      big |= BigInt(b & 0x7f) << BigInt(7 * i);
      if (b < 0x80) {
        r.pos = p + 1;
        return BigInt.asIntN(64, big).toString();
      }
    }
    throw new DecodeError(`malformed protobuf: truncated or overlong varint at offset ${start}`);
  }

  /** One KeyValue message into `map` (stringified per pdata AsString). */
  protected keyValue(map: AttributeMap): void {
    const r = this.r;
    const outer = this.enter();
    let key = '';
    let value = '';
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) key = r.string();
      else if (tag === 18) value = this.anyValueString();
      else this.skip(tag);
    }
    this.leave(outer);
    setAttribute(map, key, value);
  }

  /** AnyValue → its AsString() spelling. In a oneof the last field present wins. */
  protected anyValueString(): string {
    const r = this.r;
    const outer = this.enter();
    let out = '';
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 10:
          out = r.string();
          break;
        case 16:
          out = r.bool() ? 'true' : 'false';
          break;
        case 24:
          out = this.int64Decimal();
          break;
        case 33:
          out = formatDouble(r.double());
          break;
        case 42:
          out = this.arrayJson(1) ?? '';
          break;
        case 50:
          out = this.kvlistJson(1) ?? '';
          break;
        case 58:
          out = this.base64();
          break;
        default:
          this.skip(tag);
      }
    }
    this.leave(outer);
    return out;
  }

  /** AnyValue inside an array or kvlist, as JSON; null when Go could not marshal it (NaN, ±Inf). */
  private anyValueJson(depth: number): string | null {
    const r = this.r;
    const outer = this.enter();
    let out: string | null = 'null';
    while (r.pos < r.len) {
      const tag = r.uint32();
      switch (tag) {
        case 10:
          out = jsonString(r.string());
          break;
        case 16:
          out = r.bool() ? 'true' : 'false';
          break;
        case 24:
          out = this.int64Decimal();
          break;
        case 33:
          out = jsonDouble(r.double());
          break;
        case 42:
          out = this.arrayJson(depth + 1);
          break;
        case 50:
          out = this.kvlistJson(depth + 1);
          break;
        case 58:
          out = `"${this.base64()}"`;
          break;
        default:
          this.skip(tag);
      }
    }
    this.leave(outer);
    return out;
  }

  private checkDepth(depth: number): void {
    if (depth > MAX_VALUE_DEPTH) {
      throw new DecodeError(`attribute value nested deeper than ${MAX_VALUE_DEPTH} arrays/kvlists`);
    }
  }

  private arrayJson(depth: number): string | null {
    this.checkDepth(depth);
    const r = this.r;
    const outer = this.enter();
    const items: (string | null)[] = [];
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) items.push(this.anyValueJson(depth));
      else this.skip(tag);
    }
    this.leave(outer);
    return jsonArray(items);
  }

  private kvlistJson(depth: number): string | null {
    this.checkDepth(depth);
    const r = this.r;
    const outer = this.enter();
    const entries = new Map<string, string | null>();
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag !== 10) {
        this.skip(tag);
        continue;
      }
      const kvOuter = this.enter();
      let key = '';
      let value: string | null = 'null';
      while (r.pos < r.len) {
        const kvTag = r.uint32();
        if (kvTag === 10) key = r.string();
        else if (kvTag === 18) value = this.anyValueJson(depth);
        else this.skip(kvTag);
      }
      this.leave(kvOuter);
      entries.set(key, value);
    }
    this.leave(outer);
    return jsonObject(entries);
  }

  /** InstrumentationScope: name, version, attributes, dropped_attributes_count. */
  protected scope(): ScopeInfo {
    const r = this.r;
    const outer = this.enter();
    const scope: ScopeInfo = { name: '', version: '', attributes: {}, droppedAttributes: 0 };
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) scope.name = r.string();
      else if (tag === 18) scope.version = r.string();
      else if (tag === 26) this.keyValue(scope.attributes);
      else if (tag === 32) scope.droppedAttributes = r.uint32();
      else this.skip(tag);
    }
    this.leave(outer);
    return scope;
  }

  /** Resource: its attributes (the rest, dropped count and entity refs, is not stored). */
  protected resource(): AttributeMap {
    const r = this.r;
    const outer = this.enter();
    const attributes: AttributeMap = {};
    while (r.pos < r.len) {
      const tag = r.uint32();
      if (tag === 10) this.keyValue(attributes);
      else this.skip(tag);
    }
    this.leave(outer);
    return attributes;
  }
}

export interface ScopeInfo {
  name: string;
  version: string;
  attributes: AttributeMap;
  droppedAttributes: number;
}

/**
 * Runs a decoder and turns the Reader's own errors (index out of range, invalid varint or wire type) into
 * DecodeErrors. TypeErrors and the like are bugs, not bad input, and propagate unchanged.
 */
export function decodeProto<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    if (err instanceof DecodeError) throw err;
    if (err instanceof RangeError || (err instanceof Error && err.constructor === Error)) {
      throw new DecodeError(`malformed ${what} protobuf: ${err.message}`, { cause: err });
    }
    throw err;
  }
}
