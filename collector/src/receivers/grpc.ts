import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerErrorResponse,
  type ServiceDefinition,
  type UntypedServiceImplementation,
  type handleUnaryCall,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { IngestUnavailableError, type IngestSink } from '../ingest/sink.js';
import type { CollectorMetrics } from '../observability/metrics.js';
import type { DeltaConverter } from '../otlp/delta.js';
import { DecodeError } from '../otlp/errors.js';
import { DEFAULT_BODY_LIMITS, type BodyLimits } from './body.js';
import { OtlpIngest } from './ingest.js';
import { encodeExportResponse, encodeRetryInfo, encodeStatus, type Signal } from './responses.js';
import { createDeltaConverter } from './self-metrics.js';

export interface OtlpGrpcOptions {
  host: string;
  /** 0 picks a free port (see OtlpGrpcServer.port). */
  port: number;
  sink: IngestSink;
  metrics: CollectorMetrics;
  /** maxBodyBytes caps a message, compressed or not (grpc-js checks both). */
  limits?: Partial<BodyLimits>;
  logger: Logger;
  /** Give the same converter to the HTTP receiver (see createDeltaConverter). */
  deltaConverter?: DeltaConverter;
}

export interface OtlpGrpcServer {
  readonly port: number;
  /** Lets in-flight calls finish for up to graceMs (default 5 s), then cuts the rest. */
  close(graceMs?: number): Promise<void>;
}

/** Messages pass through grpc-js untouched: the same hand-written decoder as over HTTP reads them. */
const raw = {
  requestStream: false,
  responseStream: false,
  requestSerialize: (message: Buffer): Buffer => message,
  requestDeserialize: (bytes: Buffer): Buffer => bytes,
  responseSerialize: (message: Buffer): Buffer => message,
  responseDeserialize: (bytes: Buffer): Buffer => bytes,
} as const;

export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const METRICS_EXPORT_PATH = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

const traceService: ServiceDefinition<UntypedServiceImplementation> = {
  Export: { path: TRACE_EXPORT_PATH, originalName: 'export', ...raw },
};
const metricsService: ServiceDefinition<UntypedServiceImplementation> = {
  Export: { path: METRICS_EXPORT_PATH, originalName: 'export', ...raw },
};

/**
 * The OTLP/gRPC receiver (port 4317): TraceService/Export and MetricsService/Export. Decode errors answer
 * INVALID_ARGUMENT (not retried by exporters), a refusing sink UNAVAILABLE with RetryInfo (retried), and a
 * partly refused request OK with partial_success. LogsService is not served: exporters get UNIMPLEMENTED.
 */
export async function startOtlpGrpcServer(options: OtlpGrpcOptions): Promise<OtlpGrpcServer> {
  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, ...options.limits };
  const { metrics, logger } = options;
  const ingest = new OtlpIngest({
    sink: options.sink,
    metrics,
    delta: options.deltaConverter ?? createDeltaConverter(metrics),
  });
  const server = new Server({
    'grpc.max_receive_message_length': limits.maxBodyBytes,
  });

  const handler =
    (signal: Signal): handleUnaryCall<Buffer, Buffer> =>
    (call, callback) => {
      const work =
        signal === 'traces'
          ? ingest.traces(call.request, 'protobuf', 'grpc')
          : ingest.metrics(call.request, 'protobuf', 'grpc');
      work.then(
        (outcome) => {
          metrics.requests.inc({ transport: 'grpc', signal, code: status[status.OK] });
          callback(null, encodeExportResponse(outcome));
        },
        (err: unknown) => {
          const error = serviceError(err, logger);
          metrics.requests.inc({ transport: 'grpc', signal, code: status[error.code] });
          callback(error);
        },
      );
    };
  server.addService(traceService, { Export: handler('traces') });
  server.addService(metricsService, { Export: handler('metrics') });

  const address = `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}`;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, ServerCredentials.createInsecure(), (err, boundPort) => {
      if (!err) return resolve(boundPort);
      const failure = new Error(`OTLP/gRPC receiver cannot listen on ${address}: ${err.message}`, {
        cause: err,
      });
      // grpc-js says EADDRINUSE only in its message; carry it as Node's listen errors do, so callers can tell.
      const inUse = err.message.includes('EADDRINUSE');
      reject(
        Object.assign(
          failure,
          inUse ? { code: 'EADDRINUSE', address: options.host, port: options.port } : {},
        ),
      );
    });
  });
  logger.info({ address: `${options.host}:${port}` }, 'OTLP/gRPC receiver listening');

  return {
    port,
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

type GrpcError = ServerErrorResponse & { code: status };

function serviceError(err: unknown, logger: Logger): GrpcError {
  if (err instanceof DecodeError) {
    return { name: 'DecodeError', message: err.message, code: status.INVALID_ARGUMENT, details: err.message };
  }
  if (err instanceof IngestUnavailableError) {
    logger.warn({ reason: err.reason }, 'OTLP/gRPC request refused: %s', err.message);
    const details = `${err.reason}: ${err.message}`;
    const metadata = new Metadata();
    metadata.set(
      'grpc-status-details-bin',
      encodeStatus(status.UNAVAILABLE, details, [encodeRetryInfo(err.retryAfterSec)]),
    );
    return { name: err.name, message: details, code: status.UNAVAILABLE, details, metadata };
  }
  const message = err instanceof Error ? err.message : String(err);
  logger.error({ err }, 'OTLP/gRPC request failed');
  return {
    name: 'InternalError',
    message,
    code: status.INTERNAL,
    details: `the data could not be stored: ${message}`,
  };
}
