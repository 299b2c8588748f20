import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { CollectorConfig } from './config.js';
import { startIngestPipeline, type IngestPipeline, type PipelineOptions } from './ingest/pipeline.js';
import { buildOtlpHttpApp } from './receivers/http.js';
import { startOtlpGrpcServer, type OtlpGrpcServer } from './receivers/grpc.js';
import { createDeltaConverter } from './receivers/self-metrics.js';
import type { StorageClient } from './storage/client.js';

export interface CollectorHandle {
  readonly pipeline: IngestPipeline;
  readonly http: FastifyInstance;
  readonly grpc: OtlpGrpcServer;
  /** The ports actually bound (config ports of 0 pick free ones). */
  readonly ports: { http: number; grpc: number };
  /**
   * Stops the receivers (requests in flight finish, for up to graceMs), then flushes every queued row to
   * ClickHouse or the spool. Idempotent. The storage client stays open: its owner closes it.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts the collector on an opened, migrated storage: the ingest pipeline (writer, spool, span pairing)
 * and both OTLP receivers sharing one cumulative-to-delta converter, so a metric series keeps its state
 * whichever transport its points arrive on. When a receiver cannot listen, what was started is stopped.
 */
export async function startCollector(
  config: CollectorConfig,
  storage: StorageClient,
  log: Logger,
  options: PipelineOptions = {},
): Promise<CollectorHandle> {
  const pipeline = await startIngestPipeline(config, storage, log, options);
  const deltaConverter = createDeltaConverter(pipeline.metrics, config.maxCumulativeSeries);
  const limits = { maxBodyBytes: config.maxBodyBytes, maxDecompressedBytes: config.maxDecompressedBytes };
  let closing = false;

  const http = buildOtlpHttpApp({
    sink: pipeline.sink,
    metrics: pipeline.metrics,
    limits,
    deltaConverter,
    logger: log,
    isReady: () => !closing,
    notReadyReason: () => 'the collector is shutting down',
  });
  let grpc: OtlpGrpcServer | undefined;
  try {
    await http.listen({ host: config.host, port: config.httpPort });
    grpc = await startOtlpGrpcServer({
      host: config.host,
      port: config.grpcPort,
      sink: pipeline.sink,
      metrics: pipeline.metrics,
      limits,
      deltaConverter,
      logger: log,
    });
  } catch (err) {
    await http.close();
    await pipeline.close();
    throw err;
  }
  const address = http.server.address();
  const httpPort = typeof address === 'object' && address !== null ? address.port : config.httpPort;
  const grpcServer = grpc;
  log.info(
    {
      otlpHttp: `http://${hostForUrl(config.host)}:${httpPort}`,
      otlpGrpc: `${config.host}:${grpcServer.port}`,
    },
    'collector listening',
  );

  let closed: Promise<void> | undefined;
  return {
    pipeline,
    http,
    grpc: grpcServer,
    ports: { http: httpPort, grpc: grpcServer.port },
    close: (graceMs = 5000) =>
      (closed ??= (async () => {
        closing = true;
        await Promise.all([http.close(), grpcServer.close(graceMs)]);
        await pipeline.close();
        log.info('collector stopped: every acknowledged row is in ClickHouse or the spool');
      })()),
  };
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
