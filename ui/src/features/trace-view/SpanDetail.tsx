import type { JaegerKeyValue } from '@meshscope/query/api';
import { formatDurationUs } from '../../lib/format';
import type { SpanNode, TraceModel } from './trace-model';

/** Jaeger's translator tags carry OTLP fields that have their own section here. */
const STATUS_KEYS = new Set(['otel.status_code', 'otel.status_description', 'error']);
const KIND_KEY = 'span.kind';

function KeyValues({ items, label }: { items: readonly JaegerKeyValue[]; label: string }) {
  if (items.length === 0) return <div className="muted">none</div>;
  return (
    <table className="kv" aria-label={label}>
      <tbody>
        {items.map((kv, i) => (
          <tr key={`${kv.key}-${i}`}>
            <td>{kv.key}</td>
            <td>{String(kv.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function SpanDetail({
  model,
  node,
  selfTimeUs,
  onSelectSpan,
  onClose,
}: {
  model: TraceModel;
  node: SpanNode;
  selfTimeUs: number | undefined;
  onSelectSpan: (spanID: string) => void;
  onClose: () => void;
}) {
  const { span } = node;
  const tag = (key: string): JaegerKeyValue['value'] | undefined =>
    span.tags.find((t) => t.key === key)?.value;
  const statusCode = tag('otel.status_code') ?? (node.hasError ? 'ERROR' : 'UNSET');
  const statusMessage = tag('otel.status_description');
  const attributes = span.tags.filter((t) => !STATUS_KEYS.has(t.key) && t.key !== KIND_KEY);
  return (
    <aside className="span-detail" aria-label="Span detail">
      <div className="page-title">
        <h2>{span.operationName}</h2>
        <span style={{ flex: 1 }} />
        <button type="button" aria-label="Close span detail" onClick={onClose}>
          ✕
        </button>
      </div>
      <table className="kv" aria-label="Span summary">
        <tbody>
          <tr>
            <td>Service</td>
            <td>{node.service}</td>
          </tr>
          <tr>
            <td>Duration</td>
            <td>{formatDurationUs(span.duration)}</td>
          </tr>
          <tr>
            <td>Start</td>
            <td>+{formatDurationUs(node.startUs - model.startUs)}</td>
          </tr>
          {selfTimeUs !== undefined ? (
            <tr>
              <td>Self time on critical path</td>
              <td>{formatDurationUs(selfTimeUs)}</td>
            </tr>
          ) : null}
          <tr>
            <td>Kind</td>
            <td>{String(tag(KIND_KEY) ?? 'unspecified')}</td>
          </tr>
          <tr>
            <td>Span ID</td>
            <td>{span.spanID}</td>
          </tr>
        </tbody>
      </table>
      <h3>Status</h3>
      <div className={statusCode === 'ERROR' ? 'status-error' : undefined} aria-label="Status">
        {String(statusCode)}
        {statusMessage !== undefined ? `: ${String(statusMessage)}` : ''}
      </div>
      <h3>Attributes</h3>
      <KeyValues items={attributes} label="Attributes" />
      <h3>Resource</h3>
      <KeyValues items={model.processes[span.processID]?.tags ?? []} label="Resource" />
      <h3>Events ({span.logs.length})</h3>
      {span.logs.length === 0 ? (
        <div className="muted">none</div>
      ) : (
        span.logs.map((log, i) => (
          <div key={i}>
            <div className="muted">+{formatDurationUs(log.timestamp - model.startUs)}</div>
            <KeyValues items={log.fields} label={`Event ${i + 1}`} />
          </div>
        ))
      )}
      <h3>Links ({span.references.length})</h3>
      {span.references.length === 0 ? (
        <div className="muted">none</div>
      ) : (
        <table className="kv" aria-label="Links">
          <tbody>
            {span.references.map((ref) => (
              <tr key={`${ref.refType}-${ref.traceID}-${ref.spanID}`}>
                <td>{ref.refType === 'CHILD_OF' ? 'parent' : 'follows from'}</td>
                <td>
                  {ref.traceID === span.traceID && model.byId.has(ref.spanID) ? (
                    <button type="button" onClick={() => onSelectSpan(ref.spanID)}>
                      {ref.spanID}
                    </button>
                  ) : (
                    <a href={`/traces/${encodeURIComponent(ref.traceID)}`}>
                      {ref.traceID}/{ref.spanID}
                    </a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {span.warnings && span.warnings.length > 0 ? (
        <>
          <h3>Warnings</h3>
          <ul>
            {span.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </>
      ) : null}
    </aside>
  );
}
