import { z } from 'zod';
import { apiErrorSchema, jaegerEnvelopeSchema } from '@meshscope/query/api';
import { authorizationHeader, authSession } from './auth';
import { ApiFailure, unreachable } from './errors';

/** Query-string values; undefined and empty strings are left out. */
export type QueryParams = Record<string, string | number | boolean | undefined>;

export function buildUrl(path: string, params: QueryParams = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** Gateways answer these when the service behind them is down; treat them as "unreachable". */
const GATEWAY_DOWN = new Set([502, 503, 504]);

/** The message of an error body, in the mesh API's shape or Jaeger's envelope. */
function errorFromBody(status: number, body: unknown): ApiFailure | null {
  const mesh = apiErrorSchema.safeParse(body);
  if (mesh.success) {
    return new ApiFailure('http', mesh.data.error.message, status, mesh.data.error.parameter);
  }
  if (typeof body === 'object' && body !== null && 'errors' in body && Array.isArray(body.errors)) {
    const first: unknown = body.errors[0];
    if (typeof first === 'object' && first !== null && 'msg' in first && typeof first.msg === 'string') {
      return new ApiFailure('http', first.msg, status);
    }
  }
  return null;
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return undefined;
  }
}

/** GET a JSON resource and validate it; every failure becomes an ApiFailure. */
export async function getJson<S extends z.ZodType>(
  url: string,
  schema: S,
  signal?: AbortSignal,
): Promise<z.infer<S>> {
  return requestJson(url, { signal }, schema);
}

/**
 * POST/PUT/DELETE with an optional JSON body, the answer validated with `schema` (a 204 No Content reads as
 * null). Failures are ApiFailures naming the parameter the service rejected.
 */
export async function sendJson<S extends z.ZodType>(
  method: 'POST' | 'PUT' | 'DELETE',
  url: string,
  payload: unknown,
  schema: S,
): Promise<z.infer<S>> {
  const init =
    payload === undefined
      ? { method }
      : { method, body: JSON.stringify(payload), headers: { 'Content-Type': 'application/json' } };
  return requestJson(url, init, schema);
}

/** Cheapest route behind the token check: a constant, no storage read. */
const TOKEN_PROBE_URL = '/api/metrics/minstep';
const probeSchema = jaegerEnvelopeSchema(z.number());

/**
 * Asks the service whether it accepts `token`: null if it does, else its reason. Other failures
 * (unreachable, …) are thrown. The current session is not touched.
 */
export async function checkToken(token: string): Promise<string | null> {
  try {
    await requestJson(TOKEN_PROBE_URL, {}, probeSchema, token);
    return null;
  } catch (error) {
    if (error instanceof ApiFailure && error.unauthorized) return error.message;
    throw error;
  }
}

type RequestOptions = Pick<RequestInit, 'method' | 'body' | 'signal'> & { headers?: Record<string, string> };

/**
 * Every API request goes through here, with the session's token (read when the request starts, so a
 * refusal is only taken as the current token's when it was sent with it).
 */
async function requestJson<S extends z.ZodType>(
  url: string,
  options: RequestOptions,
  schema: S,
  token: string | null = authSession.token,
): Promise<z.infer<S>> {
  const { signal } = options;
  const headers = { Accept: 'application/json', ...options.headers, ...authorizationHeader(token) };
  let response: Response;
  try {
    response = await fetch(url, { ...options, headers });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw unreachable(url);
  }
  const body = response.status === 204 ? null : await readJson(response);
  if (!response.ok) {
    const failure =
      errorFromBody(response.status, body) ??
      (GATEWAY_DOWN.has(response.status)
        ? unreachable(url)
        : new ApiFailure(
            'http',
            `The query service answered ${response.status} ${response.statusText}`,
            response.status,
          ));
    if (failure.unauthorized) authSession.refused(token, failure.message);
    throw failure;
  }
  if (body === undefined) {
    throw new ApiFailure(
      'invalid-response',
      `The answer to ${new URL(url, location.href).pathname} was not JSON`,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') || '(root)' : '(root)';
    throw new ApiFailure(
      'invalid-response',
      `The query service sent an answer this UI does not understand (at ${where}: ${issue?.message ?? 'invalid'}). ` +
        'Are the UI and the service the same version?',
    );
  }
  return parsed.data;
}
