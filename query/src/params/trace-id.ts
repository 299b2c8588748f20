import { ParamError, quoteValue } from './errors.js';

const HEX = /^[0-9a-fA-F]{1,32}$/;

/**
 * A trace id as Jaeger reads it (`model.TraceIDFromString`): 1 to 32 hex digits, any case, leading zeros
 * optional. Returned as the stored form: 32 lowercase hex digits, zero-padded on the left.
 */
export function parseTraceIdParam(param: string, raw: string): string {
  if (!HEX.test(raw)) {
    throw new ParamError(
      param,
      `${quoteValue(raw)} is not a trace id (1 to 32 hex digits, e.g. 4bf92f3577b34da6a3ce929d0e0e4736)`,
    );
  }
  return raw.toLowerCase().padStart(32, '0');
}
