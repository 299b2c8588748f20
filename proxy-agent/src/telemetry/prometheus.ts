/** The admin /metrics page: Istio's metric names and labels in the Prometheus text format. */
import type { Attributes } from '@opentelemetry/api';
import type { ExporterStats } from './otlp-exporter.js';
import { ISTIO_DURATION_BUCKETS_MS, type Series } from './request-metrics.js';

function escape(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labels(attrs: Attributes, extra = ''): string {
  const parts: string[] = [];
  for (const k in attrs) {
    const v = attrs[k];
    if (v === undefined || k.includes('.')) continue;
    parts.push(`${k}="${escape(String(v))}"`);
  }
  if (extra) parts.push(extra);
  return `{${parts.join(',')}}`;
}

export interface PrometheusExtras {
  exporter: ExporterStats | undefined;
  counters: Array<{ name: string; help: string; value: number }>;
  gauges: Array<{ name: string; help: string; samples: Array<{ attributes: Attributes; value: number }> }>;
  labeledCounters?: Array<{
    name: string;
    help: string;
    samples: Array<{ attributes: Attributes; value: number }>;
  }>;
}

export function renderPrometheus(series: Iterable<Series>, extras: PrometheusExtras): string {
  const total: string[] = [
    '# HELP istio_requests_total Requests seen by the agent.',
    '# TYPE istio_requests_total counter',
  ];
  const dur: string[] = [
    '# HELP istio_request_duration_milliseconds Request duration seen by the agent.',
    '# TYPE istio_request_duration_milliseconds histogram',
  ];
  for (const s of series) {
    if (s.cumulativeCount === 0) continue;
    const l = labels(s.attributes);
    total.push(`istio_requests_total${l} ${s.cumulativeCount}`);
    let cum = 0;
    ISTIO_DURATION_BUCKETS_MS.forEach((b, i) => {
      cum += s.cumulativeMsCounts[i] ?? 0;
      dur.push(`istio_request_duration_milliseconds_bucket${labels(s.attributes, `le="${b}"`)} ${cum}`);
    });
    dur.push(
      `istio_request_duration_milliseconds_bucket${labels(s.attributes, 'le="+Inf"')} ${s.cumulativeCount}`,
    );
    dur.push(`istio_request_duration_milliseconds_sum${l} ${s.cumulativeSumMs}`);
    dur.push(`istio_request_duration_milliseconds_count${l} ${s.cumulativeCount}`);
  }
  const out = [...total, ...dur];
  for (const g of extras.gauges) {
    out.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`);
    for (const s of g.samples) out.push(`${g.name}${labels(s.attributes)} ${s.value}`);
  }
  for (const c of extras.labeledCounters ?? []) {
    out.push(`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`);
    for (const s of c.samples) out.push(`${c.name}${labels(s.attributes)} ${s.value}`);
  }
  for (const c of extras.counters)
    out.push(`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`, `${c.name} ${c.value}`);
  const e = extras.exporter;
  if (e) {
    const counter = (name: string, help: string, v: number) =>
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`, `${name} ${v}`);
    counter('meshscope_agent_spans_exported_total', 'Spans the collector accepted.', e.spansExported);
    counter(
      'meshscope_agent_spans_dropped_total',
      'Spans dropped (queue full or export failed).',
      e.spansDropped,
    );
    counter(
      'meshscope_agent_metric_exports_total',
      'Metric payloads the collector accepted.',
      e.metricPayloadsExported,
    );
    counter(
      'meshscope_agent_metric_exports_dropped_total',
      'Metric payloads dropped.',
      e.metricPayloadsDropped,
    );
    counter('meshscope_agent_export_retries_total', 'Export attempts retried.', e.exportRetries);
  }
  return `${out.join('\n')}\n`;
}
