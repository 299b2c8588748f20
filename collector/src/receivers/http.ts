import type { IncomingMessage } from 'node:http';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type { Logger } from 'pino';
import { IngestUnavailableError, type IngestSink } from '../ingest/sink.js';
import type { CollectorMetrics } from '../observability/metrics.js';
import type { DeltaConverter } from '../otlp/delta.js';
import { DecodeError } from '../otlp/errors.js';
import { BodyError, DEFAULT_BODY_LIMITS, parseContentEncoding, readBody, type BodyLimits } from './body.js';
import { OtlpIngest } from './ingest.js';
import {
  RpcCode,
  encodeExportResponse,
  encodeStatus,
  exportResponseJson,
  statusJson,
  type BodyFormat,
  type ExportOutcome,
  type Signal,
} from './responses.js';
import { createDeltaConverter } from './self-metrics.js';

export interface OtlpHttpDeps {
  sink: IngestSink;
  metrics: CollectorMetrics;
  limits?: Partial<BodyLimits>;
  /** Readiness for GET /readyz (storage reachable and migrated, not shutting down). */
  isReady: () => boolean;
  /** Said in the 503 body of /readyz when not ready. */
  notReadyReason?: () => string;
  /** A pino logger, or Fastify logger options; silent by default. */
  logger?: Logger | FastifyServerOptions['logger'];
  /** Give the same converter to the gRPC receiver (see createDeltaConverter). */
  deltaConverter?: DeltaConverter;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
const ACCEPTED_TYPES = `${PROTOBUF}, ${JSON_TYPE}`;

const SIGNAL_BY_ROUTE: ReadonlyMap<string, Signal | 'logs'> = new Map([
  ['/v1/traces', 'traces'],
  ['/v1/metrics', 'metrics'],
  ['/v1/logs', 'logs'],
]);

/**
 * The OTLP/HTTP receiver (port 4318): POST /v1/traces and /v1/metrics in protobuf or JSON, optionally
 * gzip/deflate-compressed, answered in the request's own encoding; plus /healthz, /readyz and /metrics.
 * The owner listens and closes it.
 */
export function buildOtlpHttpApp(deps: OtlpHttpDeps): FastifyInstance {
  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, ...deps.limits };
  const ingest = new OtlpIngest({
    sink: deps.sink,
    metrics: deps.metrics,
    delta: deps.deltaConverter ?? createDeltaConverter(deps.metrics),
  });
  const app: FastifyInstance = Fastify({
    ...loggerOptions(deps.logger),
    // One log line per export request would drown the logs at ingest rates; errors are logged below.
    logController: new LogController({ disableRequestLogging: true }),
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request: FastifyRequest, payload: IncomingMessage) =>
    readBody(
      payload,
      parseContentEncoding(request.headers['content-encoding']),
      limits,
      declaredLength(request),
    ),
  );

  /** Refuses what can be refused from the headers alone, before any of the body is read. */
  const checkHeaders = (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    try {
      bodyFormat(request.headers['content-type']);
      parseContentEncoding(request.headers['content-encoding']);
      const length = declaredLength(request);
      if (length !== undefined && length > limits.maxBodyBytes) {
        throw new BodyError(
          413,
          `request body of ${length} bytes is larger than ${limits.maxBodyBytes} bytes`,
        );
      }
      done();
    } catch (err) {
      done(err as Error);
    }
  };

  const exportRoute =
    (signal: Signal) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const format = bodyFormat(request.headers['content-type']);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const outcome =
        signal === 'traces'
          ? await ingest.traces(body, format, 'http')
          : await ingest.metrics(body, format, 'http');
      if (outcome.rejected > 0)
        request.log.debug({ signal, rejected: outcome.rejected }, outcome.errorMessage);
      return sendExport(reply, signal, format, outcome);
    };

  app.post('/v1/traces', { onRequest: checkHeaders }, exportRoute('traces'));
  app.post('/v1/metrics', { onRequest: checkHeaders }, exportRoute('metrics'));
  app.post('/v1/logs', {
    // Answered before the body is read: there is nothing to do with it. A hook that replies ends the request.
    onRequest: (request, reply) => {
      reply.header('connection', 'close');
      sendStatus(
        reply,
        formatOrJson(request),
        404,
        RpcCode.NOT_FOUND,
        'meshscope stores traces and metrics only: logs are not stored. Remove the logs exporter or send logs elsewhere.',
      );
    },
    handler: (_request, reply) => reply,
  });

  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', (_request, reply) => {
    if (deps.isReady()) return reply.send({ status: 'ready' });
    const reason = deps.notReadyReason?.() ?? 'the collector is starting or shutting down';
    return reply.code(503).send({ status: 'not ready', reason });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics()),
  );

  app.setNotFoundHandler(async (request, reply) =>
    sendStatus(
      reply,
      formatOrJson(request),
      404,
      RpcCode.NOT_FOUND,
      `no route ${request.method} ${request.url}: OTLP/HTTP takes POST /v1/traces and POST /v1/metrics`,
    ),
  );

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const format = formatOrJson(request);
    if (error instanceof BodyError) {
      // The rest of the body may still be on its way: do not leave it in a kept-alive socket.
      if (error.statusCode !== 400) reply.header('connection', 'close');
      request.log.debug({ err: error }, 'OTLP request refused');
      const code = error.statusCode === 413 ? RpcCode.RESOURCE_EXHAUSTED : RpcCode.INVALID_ARGUMENT;
      return sendStatus(reply, format, error.statusCode, code, error.message);
    }
    if (error instanceof DecodeError) {
      request.log.debug({ err: error }, 'malformed OTLP request');
      return sendStatus(reply, format, 400, RpcCode.INVALID_ARGUMENT, error.message);
    }
    if (error instanceof IngestUnavailableError) {
      request.log.warn({ reason: error.reason }, 'OTLP request refused: %s', error.message);
      reply.header('retry-after', String(error.retryAfterSec));
      return sendStatus(reply, format, 503, RpcCode.UNAVAILABLE, `${error.reason}: ${error.message}`);
    }
    const status =
      error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500
        ? error.statusCode
        : 500;
    if (status === 500) {
      request.log.error({ err: error }, 'OTLP request failed');
      return sendStatus(
        reply,
        format,
        500,
        RpcCode.INTERNAL,
        `the data could not be stored: ${error.message}`,
      );
    }
    return sendStatus(reply, format, status, RpcCode.INVALID_ARGUMENT, error.message);
  });

  app.addHook('onResponse', async (request, reply) => {
    const signal = SIGNAL_BY_ROUTE.get(request.routeOptions.url ?? '');
    if (signal) deps.metrics.requests.inc({ transport: 'http', signal, code: String(reply.statusCode) });
  });

  return app;
}

function loggerOptions(logger: OtlpHttpDeps['logger']): FastifyServerOptions {
  if (logger === undefined) return { logger: false };
  if (isPinoLogger(logger)) return { loggerInstance: logger };
  return { logger };
}

function isPinoLogger(logger: OtlpHttpDeps['logger']): logger is Logger {
  return (
    typeof logger === 'object' && logger !== null && 'child' in logger && typeof logger.child === 'function'
  );
}

/**
 * The body format from Content-Type. A charset parameter is allowed (OTLP/JSON is UTF-8); anything else
 * is a 415 whose message lists what is accepted.
 */
export function bodyFormat(contentType: string | undefined): BodyFormat {
  const [mediaType = '', ...params] = (contentType ?? '').split(';');
  const type = mediaType.trim().toLowerCase();
  if (type === PROTOBUF) return 'protobuf';
  if (type === JSON_TYPE) {
    for (const param of params) {
      const [name = '', value = ''] = param.split('=').map((s) => s.trim().toLowerCase());
      if (name === 'charset' && value.replace(/"/g, '') !== 'utf-8' && value.replace(/"/g, '') !== 'utf8') {
        throw new BodyError(415, `OTLP/JSON must be UTF-8, got charset '${value}'`);
      }
    }
    return 'json';
  }
  throw new BodyError(
    415,
    contentType
      ? `Content-Type '${contentType}' is not supported; use one of: ${ACCEPTED_TYPES}`
      : `Content-Type is missing; use one of: ${ACCEPTED_TYPES}`,
  );
}

/** Errors are answered in the request's encoding when it is one of ours, else in JSON. */
function formatOrJson(request: FastifyRequest): BodyFormat {
  try {
    return bodyFormat(request.headers['content-type']);
  } catch {
    return 'json';
  }
}

function declaredLength(request: FastifyRequest): number | undefined {
  const header = request.headers['content-length'];
  if (header === undefined) return undefined;
  const length = Number(header);
  return Number.isFinite(length) ? length : undefined;
}

function sendExport(
  reply: FastifyReply,
  signal: Signal,
  format: BodyFormat,
  outcome: ExportOutcome,
): FastifyReply {
  if (format === 'protobuf') return reply.code(200).type(PROTOBUF).send(encodeExportResponse(outcome));
  return reply.code(200).type(JSON_TYPE).send(exportResponseJson(signal, outcome));
}

function sendStatus(
  reply: FastifyReply,
  format: BodyFormat,
  httpStatus: number,
  code: number,
  message: string,
): FastifyReply {
  reply.code(httpStatus);
  if (format === 'protobuf') return reply.type(PROTOBUF).send(encodeStatus(code, message));
  return reply.type(JSON_TYPE).send(statusJson(code, message));
}
