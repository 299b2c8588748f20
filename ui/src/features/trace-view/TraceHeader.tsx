import type { JaegerTrace } from '@meshscope/query/api';
import { countOf, formatDateTime, formatDurationUs } from '../../lib/format';
import { downloadTraceJson } from './download';
import type { TraceModel } from './trace-model';

export function TraceHeader({
  trace,
  model,
  colours,
  findText,
  matchCount,
  matchCursor,
  showCriticalPath,
  criticalPathNote,
  onFind,
  onStep,
  onToggleCriticalPath,
  onCollapseAll,
  onExpandAll,
}: {
  trace: JaegerTrace;
  model: TraceModel;
  colours: Map<string, string>;
  findText: string;
  matchCount: number;
  matchCursor: number;
  showCriticalPath: boolean;
  criticalPathNote: string | null;
  onFind: (text: string) => void;
  onStep: (delta: 1 | -1) => void;
  onToggleCriticalPath: (on: boolean) => void;
  onCollapseAll: () => void;
  onExpandAll: () => void;
}) {
  const root = model.spans[0];
  return (
    <div className="trace-header">
      <div className="page-title">
        <h1>
          {root ? `${root.service}: ${root.span.operationName}` : 'Empty trace'}{' '}
          <span className="muted" style={{ fontSize: 13, fontWeight: 400 }}>
            {model.traceID}
          </span>
        </h1>
      </div>
      <div className="muted" aria-label="Trace summary">
        {formatDateTime(model.startUs / 1000)} · duration {formatDurationUs(model.endUs - model.startUs)} ·{' '}
        {countOf(model.spans.length, 'span')} · {countOf(model.services.length, 'service')} · depth{' '}
        {model.maxDepth + 1}
        {model.errorCount > 0 ? (
          <span className="status-error"> · {countOf(model.errorCount, 'error')}</span>
        ) : null}
      </div>
      <div style={{ display: 'flex', gap: 10, flexWrap: 'wrap', alignItems: 'center' }}>
        {model.services.map((s) => (
          <span key={s} className="health-badge">
            <span className="health-dot" style={{ background: colours.get(s) }} />
            {s}
          </span>
        ))}
      </div>
      <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'center' }}>
        <input
          type="search"
          aria-label="Find in trace"
          placeholder="Find in trace: operation, service, tag…"
          size={30}
          value={findText}
          onChange={(e) => onFind(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') onStep(e.shiftKey ? -1 : 1);
          }}
        />
        {findText.trim() !== '' ? (
          <span aria-live="polite">
            {matchCount === 0 ? 'no match' : `${matchCursor + 1} of ${matchCount}`}
          </span>
        ) : null}
        <button
          type="button"
          aria-label="Previous match"
          onClick={() => onStep(-1)}
          disabled={matchCount === 0}
        >
          ↑
        </button>
        <button type="button" aria-label="Next match" onClick={() => onStep(1)} disabled={matchCount === 0}>
          ↓
        </button>
        <label>
          <input
            type="checkbox"
            checked={showCriticalPath}
            onChange={(e) => onToggleCriticalPath(e.target.checked)}
          />
          Critical path
        </label>
        {criticalPathNote ? <span className="muted">{criticalPathNote}</span> : null}
        <button type="button" onClick={onCollapseAll}>
          Collapse all
        </button>
        <button type="button" onClick={onExpandAll}>
          Expand all
        </button>
        <button type="button" onClick={() => downloadTraceJson(trace)}>
          Download JSON
        </button>
      </div>
    </div>
  );
}
