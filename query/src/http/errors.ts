import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import type { ApiError } from '../api/mesh.js';
import { jaegerErrorResponse } from '../jaeger/model.js';
import { apiV3Error } from '../jaeger/otlp-json.js';
import { ParamError } from '../params/errors.js';

/**
 * Every error leaves the service as JSON in the shape its API family uses: Jaeger's envelope on the v1
 * routes (`{data: null, errors: [{code, msg}]}`), grpc-gateway's `{error: {httpCode, message}}` on api_v3,
 * and `{error: {status, message, parameter?}}` everywhere else. Bad input is a 400 that names the parameter;
 * ClickHouse refusing a too-heavy query is a 503 that says how to narrow it; anything unexpected is a 500
 * whose body points at the log line (by request id) instead of leaking internals.
 */

/** An error with an HTTP status and a message written for the caller. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly parameter?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, message);
    this.name = 'NotFoundError';
  }
}

export type ErrorStyle = 'jaeger' | 'apiV3' | 'mesh';

const JAEGER_V1 = /^\/api\/(?:services|operations|traces|dependencies|metrics)(?:[/?]|$)/;

export function errorStyleOf(url: string): ErrorStyle {
  if (url.startsWith('/api/v3/')) return 'apiV3';
  if (JAEGER_V1.test(url)) return 'jaeger';
  return 'mesh';
}

export function errorBody(style: ErrorStyle, status: number, message: string, parameter?: string): object {
  switch (style) {
    case 'jaeger':
      return jaegerErrorResponse(status, message);
    case 'apiV3':
      return apiV3Error(status, message);
    case 'mesh': {
      const body: ApiError = { error: { status, message, ...(parameter ? { parameter } : {}) } };
      return body;
    }
  }
}

interface Classified {
  status: number;
  message: string;
  parameter?: string;
}

/** ClickHouse error types that mean "this query was too heavy", not "the service is broken". */
const TOO_HEAVY = new Set(['TIMEOUT_EXCEEDED', 'MEMORY_LIMIT_EXCEEDED', 'TOO_MANY_ROWS_OR_BYTES']);
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

function classify(error: unknown, requestId: string): Classified & { unexpected: boolean } {
  if (error instanceof ParamError) {
    return { status: 400, message: error.message, parameter: error.param, unexpected: false };
  }
  if (error instanceof HttpError) {
    return {
      status: error.statusCode,
      message: error.message,
      parameter: error.parameter,
      unexpected: false,
    };
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issue = error.validation[0];
    const parameter = issue?.instancePath.replace(/^\//, '').split('/')[0] ?? '';
    const where = error.validationContext ?? 'request';
    const message = parameter
      ? `invalid parameter '${parameter}': ${issue?.message ?? 'not valid'}`
      : `invalid ${where}: ${issue?.message ?? 'not valid'}`;
    return { status: 400, message, ...(parameter ? { parameter } : {}), unexpected: false };
  }
  if (error instanceof Error && isResponseSerializationError(error)) {
    return {
      status: 500,
      message: `the response did not match its schema (request ${requestId}); this is a bug, see the log`,
      unexpected: true,
    };
  }
  const type = (error as { type?: unknown }).type;
  if (typeof type === 'string' && TOO_HEAVY.has(type)) {
    return {
      status: 503,
      message: `the query was stopped by the storage limits (${type}); narrow the time window or the filters`,
      unexpected: false,
    };
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) {
    return {
      status: 503,
      message: 'the storage (ClickHouse) is unreachable; retry shortly',
      unexpected: false,
    };
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500 && error instanceof Error) {
    return { status, message: error.message, unexpected: false };
  }
  return {
    status: 500,
    message: `internal error while answering (request ${requestId}); see the query service log`,
    unexpected: true,
  };
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  message: string,
  parameter?: string,
): FastifyReply {
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send(errorBody(errorStyleOf(request.url), status, message, parameter));
}

/** The error and not-found handlers of the whole app; `fallback` may answer a not-found first (the UI). */
export function installErrorHandlers(
  app: FastifyInstance,
  fallback?: (request: FastifyRequest, reply: FastifyReply) => FastifyReply | undefined,
): void {
  app.setErrorHandler((error: unknown, request, reply) => {
    const c = classify(error, request.id);
    if (c.unexpected) request.log.error({ err: error }, 'request failed');
    else if (c.status >= 500) request.log.warn({ err: error }, c.message);
    return sendError(request, reply, c.status, c.message, c.parameter);
  });
  app.setNotFoundHandler((request, reply) => {
    const answered = fallback?.(request, reply);
    if (answered) return answered;
    const path = (request.url.split('?')[0] ?? '').slice(0, 200);
    return sendError(request, reply, 404, `no route ${request.method} ${path}`);
  });
}
