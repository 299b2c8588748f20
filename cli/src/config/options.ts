/**
 * Every setting a user can give on the command line or in the environment, and where it lands in the
 * configuration tree. The same tree is what a `--config FILE` (YAML) holds; precedence is
 * flags > environment > file > defaults.
 */
export interface OptionSpec {
  /** --flag name */
  flag: string;
  /** environment variable, when the setting may come from there */
  env?: string;
  /** dotted path in the configuration tree */
  path: string;
  /** `list`: comma-separated values; `negated`: a `--no-x` switch that sets the path to false */
  type: 'string' | 'int' | 'boolean' | 'list' | 'negated';
  help: string;
  /** secrets are accepted from the environment and the file only (never on a command line, visible in ps) */
  secret?: boolean;
}

export const COMMON_OPTIONS: OptionSpec[] = [
  { flag: 'config', env: 'MESHSCOPE_CONFIG', path: '', type: 'string', help: 'YAML configuration file' },
  {
    flag: 'log-level',
    env: 'MESHSCOPE_LOG_LEVEL',
    path: 'logLevel',
    type: 'string',
    help: 'trace | debug | info | warn | error (default info)',
  },
];

export const STORAGE_OPTIONS: OptionSpec[] = [
  {
    flag: 'data-dir',
    env: 'MESHSCOPE_DATA_DIR',
    path: 'dataDir',
    type: 'string',
    help: 'data directory: embedded ClickHouse under DIR/clickhouse, spool under DIR/spool (default ./data)',
  },
  {
    flag: 'clickhouse-url',
    env: 'CLICKHOUSE_URL',
    path: 'storage.url',
    type: 'string',
    help: 'ClickHouse server URL (e.g. http://clickhouse:8123); unset = embedded chDB',
  },
  {
    flag: 'clickhouse-user',
    env: 'CLICKHOUSE_USER',
    path: 'storage.user',
    type: 'string',
    help: 'ClickHouse user',
  },
  {
    flag: 'clickhouse-password',
    env: 'CLICKHOUSE_PASSWORD',
    path: 'storage.password',
    type: 'string',
    help: 'ClickHouse password (environment or file only)',
    secret: true,
  },
  {
    flag: 'clickhouse-database',
    env: 'CLICKHOUSE_DATABASE',
    path: 'storage.database',
    type: 'string',
    help: 'database (default meshscope)',
  },
  {
    flag: 'cluster',
    env: 'CLICKHOUSE_CLUSTER',
    path: 'storage.cluster',
    type: 'string',
    help: 'ClickHouse cluster name: ON CLUSTER DDL, replicated + distributed tables',
  },
  {
    flag: 'retention-traces-days',
    env: 'MESHSCOPE_RETENTION_TRACES_DAYS',
    path: 'storage.retention.tracesDays',
    type: 'int',
    help: 'days of spans (default 7)',
  },
  {
    flag: 'retention-metrics-days',
    env: 'MESHSCOPE_RETENTION_METRICS_DAYS',
    path: 'storage.retention.metricsDays',
    type: 'int',
    help: 'days of raw request metrics (default 15)',
  },
  {
    flag: 'retention-rollup-minute-days',
    env: 'MESHSCOPE_RETENTION_ROLLUP_MINUTE_DAYS',
    path: 'storage.retention.rollupMinuteDays',
    type: 'int',
    help: 'days of per-minute rollups (default 15)',
  },
  {
    flag: 'retention-rollup-hour-days',
    env: 'MESHSCOPE_RETENTION_ROLLUP_HOUR_DAYS',
    path: 'storage.retention.rollupHourDays',
    type: 'int',
    help: 'days of hourly rollups (default 90)',
  },
];

export const COLLECTOR_OPTIONS: OptionSpec[] = [
  {
    flag: 'host',
    env: 'MESHSCOPE_HOST',
    path: 'collector.host',
    type: 'string',
    help: 'interface the OTLP receivers listen on (default 127.0.0.1)',
  },
  {
    flag: 'otlp-http-port',
    env: 'MESHSCOPE_OTLP_HTTP_PORT',
    path: 'collector.httpPort',
    type: 'int',
    help: 'OTLP/HTTP port (default 4318)',
  },
  {
    flag: 'otlp-grpc-port',
    env: 'MESHSCOPE_OTLP_GRPC_PORT',
    path: 'collector.grpcPort',
    type: 'int',
    help: 'OTLP/gRPC port (default 4317)',
  },
  {
    flag: 'spool-dir',
    env: 'MESHSCOPE_SPOOL_DIR',
    path: 'collector.spool.dir',
    type: 'string',
    help: 'where batches wait while ClickHouse is unreachable (default DATA_DIR/spool)',
  },
  {
    flag: 'spool-max-bytes',
    env: 'MESHSCOPE_SPOOL_MAX_BYTES',
    path: 'collector.spool.maxBytes',
    type: 'int',
    help: 'spool size bound (default 1 GiB)',
  },
  {
    flag: 'batch-max-rows',
    env: 'MESHSCOPE_BATCH_MAX_ROWS',
    path: 'collector.batch.maxRows',
    type: 'int',
    help: 'insert once this many rows are queued (default 10000)',
  },
  {
    flag: 'batch-flush-ms',
    env: 'MESHSCOPE_BATCH_FLUSH_MS',
    path: 'collector.batch.flushIntervalMs',
    type: 'int',
    help: 'insert at most this long after the first queued row (default 1000)',
  },
  {
    flag: 'queue-max-rows',
    env: 'MESHSCOPE_QUEUE_MAX_ROWS',
    path: 'collector.batch.maxQueueRows',
    type: 'int',
    help: 'queued rows beyond which senders get 503 + Retry-After (default 200000)',
  },
  {
    flag: 'max-body-bytes',
    env: 'MESHSCOPE_MAX_BODY_BYTES',
    path: 'collector.maxBodyBytes',
    type: 'int',
    help: 'largest OTLP request body as sent (default 16 MiB)',
  },
  {
    flag: 'max-decompressed-bytes',
    env: 'MESHSCOPE_MAX_DECOMPRESSED_BYTES',
    path: 'collector.maxDecompressedBytes',
    type: 'int',
    help: 'largest OTLP request body after decompression (default 64 MiB)',
  },
];

export const QUERY_OPTIONS: OptionSpec[] = [
  {
    flag: 'query-host',
    env: 'MESHSCOPE_QUERY_HOST',
    path: 'query.host',
    type: 'string',
    help: 'interface the query service and UI listen on (default 127.0.0.1)',
  },
  {
    flag: 'query-port',
    env: 'MESHSCOPE_QUERY_PORT',
    path: 'query.port',
    type: 'int',
    help: 'query API and UI port (default 16686)',
  },
  {
    flag: 'ui-dir',
    env: 'MESHSCOPE_UI_DIR',
    path: 'query.uiDir',
    type: 'string',
    help: 'built UI to serve (default the workspace ui/dist)',
  },
  {
    flag: 'api-tokens',
    env: 'MESHSCOPE_API_TOKENS',
    path: 'query.tokens.read',
    type: 'list',
    help: 'bearer tokens that may read /api, comma-separated (environment or file only)',
    secret: true,
  },
  {
    flag: 'admin-tokens',
    env: 'MESHSCOPE_ADMIN_TOKENS',
    path: 'query.tokens.admin',
    type: 'list',
    help: 'bearer tokens that may also write, comma-separated (environment or file only)',
    secret: true,
  },
];

export const ALERT_OPTIONS: OptionSpec[] = [
  {
    flag: 'alert-rules',
    env: 'MESHSCOPE_ALERT_RULES',
    path: 'query.alerts.rulesFile',
    type: 'string',
    help: 'YAML alert rules loaded at start (read-only through the API)',
  },
  {
    flag: 'alert-interval-sec',
    env: 'MESHSCOPE_ALERT_INTERVAL_SEC',
    path: 'query.alerts.evaluationIntervalSec',
    type: 'int',
    help: 'seconds between alert rule evaluations (default 15)',
  },
  {
    flag: 'no-alert-evaluator',
    env: 'MESHSCOPE_ALERT_EVALUATOR',
    path: 'query.alerts.evaluator.enabled',
    type: 'negated',
    help: 'do not evaluate alert rules here (run exactly one evaluator per deployment)',
  },
  {
    flag: 'external-url',
    env: 'MESHSCOPE_EXTERNAL_URL',
    path: 'query.alerts.externalUrl',
    type: 'string',
    help: 'where people open meshscope, for links in notifications (default http://127.0.0.1:16686)',
  },
];

export const DEMO_OPTIONS: OptionSpec[] = [
  {
    flag: 'no-demo',
    env: 'MESHSCOPE_DEMO',
    path: 'demo',
    type: 'negated',
    help: 'do not start the demo mesh (Bookinfo-like services behind mTLS agents, load, an SDK service, an alert rule)',
  },
];
