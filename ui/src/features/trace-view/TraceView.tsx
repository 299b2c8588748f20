import { useCallback, useMemo, useState } from 'react';
import type { JaegerTrace } from '@meshscope/query/api';
import { useCriticalPathQuery } from '../../hooks/useCriticalPathQuery';
import { useSearchParams } from '../../routing/router';
import { serviceColours } from './colours';
import { sectionsBySpan } from './critical-path';
import { SpanDetail } from './SpanDetail';
import { TraceHeader } from './TraceHeader';
import { ancestorsOf, buildTraceModel, findSpans, visibleRows } from './trace-model';
import { Waterfall } from './Waterfall';

export function TraceView({ trace }: { trace: JaegerTrace }) {
  const [params, update] = useSearchParams();
  const model = useMemo(() => buildTraceModel(trace), [trace]);
  const colours = useMemo(() => serviceColours(model.services), [model]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<number>>(() => new Set());
  const rows = useMemo(() => visibleRows(model, collapsed), [model, collapsed]);

  const showCriticalPath = params.get('cp') !== 'off';
  const criticalPath = useCriticalPathQuery(trace.traceID, showCriticalPath);
  const sections = useMemo(
    () => (showCriticalPath && criticalPath.data ? sectionsBySpan(criticalPath.data) : null),
    [showCriticalPath, criticalPath.data],
  );
  const selfTimes = useMemo(
    () => new Map(criticalPath.data?.selfTimes.map((s) => [s.spanID, s.selfTimeUs]) ?? []),
    [criticalPath.data],
  );

  const findText = params.get('find') ?? '';
  const matchList = useMemo(() => findSpans(model, findText), [model, findText]);
  const matches = useMemo(() => new Set(matchList), [matchList]);
  const [cursor, setCursor] = useState(0);
  const [reveal, setReveal] = useState<{ row: number } | null>(null);

  const selectedId = params.get('span');
  const selected = selectedId !== null ? (model.byId.get(selectedId) ?? null) : null;

  /** Expands the ancestors of a span and scrolls to its row in the expanded list. */
  const revealSpan = useCallback(
    (index: number) => {
      const hidden = ancestorsOf(model, index).filter((a) => collapsed.has(a));
      let nextRows = rows;
      if (hidden.length > 0) {
        const next = new Set(collapsed);
        for (const a of hidden) next.delete(a);
        setCollapsed(next);
        nextRows = visibleRows(model, next);
      }
      const row = nextRows.indexOf(index);
      if (row >= 0) setReveal({ row });
    },
    [model, collapsed, rows],
  );

  const onToggle = useCallback((index: number) => {
    setCollapsed((prev) => {
      const next = new Set(prev);
      if (next.has(index)) next.delete(index);
      else next.add(index);
      return next;
    });
  }, []);
  const onSelect = useCallback(
    (index: number) => update({ span: model.spans[index]?.span.spanID ?? null }),
    [model, update],
  );
  const step = (delta: 1 | -1): void => {
    if (matchList.length === 0) return;
    const next = (cursor + delta + matchList.length) % matchList.length;
    setCursor(next);
    const index = matchList[next];
    if (index !== undefined) revealSpan(index);
  };

  const selectedNode = selected !== null ? model.spans[selected] : undefined;
  let note: string | null = null;
  if (showCriticalPath && criticalPath.isPending) note = 'computing…';
  if (showCriticalPath && criticalPath.error) note = `unavailable: ${criticalPath.error.message}`;
  return (
    <div className="page-full">
      <TraceHeader
        trace={trace}
        model={model}
        colours={colours}
        findText={findText}
        matchCount={matchList.length}
        matchCursor={Math.min(cursor, Math.max(0, matchList.length - 1))}
        showCriticalPath={showCriticalPath}
        criticalPathNote={note}
        onFind={(text) => {
          setCursor(0);
          update({ find: text });
        }}
        onStep={step}
        onToggleCriticalPath={(on) => update({ cp: on ? null : 'off' })}
        onCollapseAll={() =>
          setCollapsed(
            new Set(model.spans.flatMap((n, i) => (n.children.length > 0 && n.depth > 0 ? [i] : []))),
          )
        }
        onExpandAll={() => setCollapsed(new Set())}
      />
      <div className="trace-body">
        <Waterfall
          model={model}
          rows={rows}
          collapsed={collapsed}
          selected={selected}
          matches={matches}
          sections={sections}
          colours={colours}
          reveal={reveal}
          onToggle={onToggle}
          onSelect={onSelect}
        />
        {selectedNode ? (
          <SpanDetail
            model={model}
            node={selectedNode}
            selfTimeUs={selfTimes.get(selectedNode.span.spanID)}
            onSelectSpan={(spanID) => {
              const index = model.byId.get(spanID);
              if (index !== undefined) revealSpan(index);
              update({ span: spanID });
            }}
            onClose={() => update({ span: null })}
          />
        ) : null}
      </div>
    </div>
  );
}
