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
 * Readers for OTLP/JSON, the protobuf JSON mapping with OTLP's exceptions: ids are hex (not base64), enums
 * are integers (names accepted too), 64-bit integers are strings or numbers, keys are lowerCamelCase
 * (the original snake_case names are accepted too). A value of the wrong JSON type is a malformed request
 * (DecodeError naming its path); null stands for an absent field, as in the mapping.
 */
export type JsonObject = { readonly [key: string]: unknown };

/** Field `camel` (or its proto name `snake`) of a JSON object. */
export function field(obj: JsonObject, camel: string, snake: string): unknown {
  const value = obj[camel];
  return value === undefined ? obj[snake] : value;
}

const EMPTY: JsonObject = Object.freeze({});

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
}

function wrongType(path: string, expected: string, value: unknown): DecodeError {
  return new DecodeError(`${path}: expected ${expected}, got ${typeName(value)}`);
}

export function parseJsonBody(body: Buffer | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as unknown;
  } catch (err) {
    throw new DecodeError(`request body is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export function asObject(value: unknown, path: string): JsonObject {
  if (value === undefined || value === null) return EMPTY;
  if (typeof value !== 'object' || Array.isArray(value)) throw wrongType(path, 'an object', value);
  return value as JsonObject;
}

export function asArray(value: unknown, path: string): readonly unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw wrongType(path, 'an array', value);
  return value;
}

export function asString(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw wrongType(path, 'a string', value);
  return value;
}

export function asBool(value: unknown, path: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw wrongType(path, 'true or false', value);
  return value;
}

const INTEGER = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

function integer(value: unknown, path: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && INTEGER.test(value)) return BigInt(value);
  throw wrongType(path, 'an integer (number or decimal string)', value);
}

/** int64 as an exact decimal string. */
export function asInt64(value: unknown, path: string): string {
  const n = integer(value, path);
  if (n < INT64_MIN || n > INT64_MAX) throw new DecodeError(`${path}: ${n} is out of the int64 range`);
  return n.toString();
}

/** fixed64/uint64 (timestamps) as an exact value. */
export function asUint64(value: unknown, path: string): bigint {
  const n = integer(value, path);
  if (n < 0n || n > UINT64_MAX) throw new DecodeError(`${path}: ${n} is out of the uint64 range`);
  return n;
}

/** Counts (uint64, sfixed64) as numbers, the type of the row columns. */
export function asInt64Number(value: unknown, path: string): number {
  return Number(asInt64(value, path));
}

export function asUint32(value: unknown, path: string): number {
  const n = integer(value, path);
  if (n < 0n || n > 0xffffffffn) throw new DecodeError(`${path}: ${n} is out of the uint32 range`);
  return Number(n);
}

const SPECIAL_DOUBLES: Readonly<Record<string, number>> = {
  NaN: NaN,
  Infinity: Infinity,
  '-Infinity': -Infinity,
};

/** double: a number, or a string holding a number or NaN/Infinity/-Infinity. */
export function asDouble(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const special = SPECIAL_DOUBLES[value];
    if (special !== undefined) return special;
    const n = Number(value);
    if (value.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw wrongType(path, 'a number', value);
}

/** An enum as its integer or its name. */
export function asEnum(value: unknown, names: Readonly<Record<string, number>>, path: string): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string') {
    const n = names[value];
    if (n !== undefined) return n;
    if (INTEGER.test(value)) return Number(value);
    throw new DecodeError(
      `${path}: unknown enum value '${value}' (expected one of ${Object.keys(names).join(', ')})`,
    );
  }
  throw wrongType(path, 'an enum name or integer', value);
}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/**
 * A trace or span id: lowercase hex, or null when the string is not hex (the span is then refused, not
 * the request: OTLP/JSON senders that base64-encode ids are a known interoperability slip).
 */
export function asHexId(value: unknown, path: string): string | null {
  const s = asString(value, path);
  return HEX.test(s) ? s.toLowerCase() : null;
}

/** bytes: base64 (standard or URL-safe), re-encoded in the standard alphabet as Go's AsString does. */
function base64(value: unknown, path: string): string {
  return Buffer.from(asString(value, path), 'base64').toString('base64');
}

type ValueKind = 'string' | 'bool' | 'int' | 'double' | 'array' | 'kvlist' | 'bytes' | 'empty';

const VALUE_FIELDS: readonly (readonly [ValueKind, string, string])[] = [
  ['string', 'stringValue', 'string_value'],
  ['bool', 'boolValue', 'bool_value'],
  ['int', 'intValue', 'int_value'],
  ['double', 'doubleValue', 'double_value'],
  ['array', 'arrayValue', 'array_value'],
  ['kvlist', 'kvlistValue', 'kvlist_value'],
  ['bytes', 'bytesValue', 'bytes_value'],
];

function valueKind(obj: JsonObject): [ValueKind, unknown] {
  for (const [kind, camel, snake] of VALUE_FIELDS) {
    const v = field(obj, camel, snake);
    if (v !== undefined && v !== null) return [kind, v];
  }
  return ['empty', undefined];
}

/** AnyValue → its pdata AsString() spelling. */
export function anyValueString(value: unknown, path: string): string {
  const [kind, v] = valueKind(asObject(value, path));
  switch (kind) {
    case 'string':
      return asString(v, `${path}.stringValue`);
    case 'bool':
      return asBool(v, `${path}.boolValue`) ? 'true' : 'false';
    case 'int':
      return asInt64(v, `${path}.intValue`);
    case 'double':
      return formatDouble(asDouble(v, `${path}.doubleValue`));
    case 'bytes':
      return base64(v, `${path}.bytesValue`);
    case 'array':
      return arrayJson(v, `${path}.arrayValue`, 1) ?? '';
    case 'kvlist':
      return kvlistJson(v, `${path}.kvlistValue`, 1) ?? '';
    case 'empty':
      return '';
  }
}

function anyValueJson(value: unknown, path: string, depth: number): string | null {
  const [kind, v] = valueKind(asObject(value, path));
  switch (kind) {
    case 'string':
      return jsonString(asString(v, `${path}.stringValue`));
    case 'bool':
      return asBool(v, `${path}.boolValue`) ? 'true' : 'false';
    case 'int':
      return asInt64(v, `${path}.intValue`);
    case 'double':
      return jsonDouble(asDouble(v, `${path}.doubleValue`));
    case 'bytes':
      return `"${base64(v, `${path}.bytesValue`)}"`;
    case 'array':
      return arrayJson(v, `${path}.arrayValue`, depth + 1);
    case 'kvlist':
      return kvlistJson(v, `${path}.kvlistValue`, depth + 1);
    case 'empty':
      return 'null';
  }
}

function checkDepth(depth: number, path: string): void {
  if (depth > MAX_VALUE_DEPTH) {
    throw new DecodeError(`${path}: attribute value nested deeper than ${MAX_VALUE_DEPTH} arrays/kvlists`);
  }
}

function arrayJson(value: unknown, path: string, depth: number): string | null {
  checkDepth(depth, path);
  const values = asArray(asObject(value, path)['values'], `${path}.values`);
  return jsonArray(values.map((v, i) => anyValueJson(v, `${path}.values[${i}]`, depth)));
}

function kvlistJson(value: unknown, path: string, depth: number): string | null {
  checkDepth(depth, path);
  const values = asArray(asObject(value, path)['values'], `${path}.values`);
  const entries = new Map<string, string | null>();
  values.forEach((kv, i) => {
    const at = `${path}.values[${i}]`;
    const obj = asObject(kv, at);
    const inner = obj['value'];
    entries.set(
      asString(obj['key'], `${at}.key`),
      inner == null ? 'null' : anyValueJson(inner, `${at}.value`, depth),
    );
  });
  return jsonObject(entries);
}

/** repeated KeyValue → attribute map. */
export function attributes(value: unknown, path: string): AttributeMap {
  const map: AttributeMap = {};
  asArray(value, path).forEach((kv, i) => {
    const at = `${path}[${i}]`;
    const obj = asObject(kv, at);
    setAttribute(map, asString(obj['key'], `${at}.key`), anyValueString(obj['value'], `${at}.value`));
  });
  return map;
}

export interface JsonScope {
  name: string;
  version: string;
  attributes: AttributeMap;
  droppedAttributes: number;
}

export function scope(value: unknown, path: string): JsonScope {
  const obj = asObject(value, path);
  return {
    name: asString(obj['name'], `${path}.name`),
    version: asString(obj['version'], `${path}.version`),
    attributes: attributes(obj['attributes'], `${path}.attributes`),
    droppedAttributes: asUint32(
      field(obj, 'droppedAttributesCount', 'dropped_attributes_count'),
      `${path}.droppedAttributesCount`,
    ),
  };
}

export function resourceAttributes(value: unknown, path: string): AttributeMap {
  return attributes(asObject(value, path)['attributes'], `${path}.attributes`);
}
