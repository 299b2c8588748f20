import { memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { formatDurationUs } from '../../lib/format';
import { rulerTicks } from './ruler';
import type { SpanNode, TraceModel } from './trace-model';
import { rowWindow, scrollToReveal } from './virtual-window';

export const ROW_HEIGHT = 24;
const NAME_COLUMN = '34%';

type Sections = Map<string, { startUs: number; endUs: number }[]>;

interface RowProps {
  index: number;
  node: SpanNode;
  top: number;
  traceStartUs: number;
  traceDurationUs: number;
  colour: string;
  collapsed: boolean;
  selected: boolean;
  match: boolean;
  sections: { startUs: number; endUs: number }[] | undefined;
  onToggle: (index: number) => void;
  onSelect: (index: number) => void;
}

const pct = (us: number, total: number): string => `${total > 0 ? (us / total) * 100 : 0}%`;

const SpanRow = memo(function SpanRow(p: RowProps) {
  const { node } = p;
  const offset = node.startUs - p.traceStartUs;
  const leftPct = p.traceDurationUs > 0 ? offset / p.traceDurationUs : 0;
  return (
    <div
      className={`row${p.selected ? ' selected' : ''}${p.match ? ' match' : ''}`}
      style={{ top: p.top }}
      role="row"
      aria-selected={p.selected}
      aria-label={`${node.service} ${node.span.operationName}`}
      data-span-id={node.span.spanID}
      data-critical={p.sections ? 'true' : 'false'}
      onClick={() => p.onSelect(p.index)}
    >
      <div className="name" role="gridcell" style={{ paddingLeft: Math.min(node.depth, 40) * 12 }}>
        {node.children.length > 0 ? (
          <button
            type="button"
            className="toggle"
            aria-label={`${p.collapsed ? 'Expand' : 'Collapse'} ${node.span.operationName}`}
            aria-expanded={!p.collapsed}
            onClick={(e) => {
              e.stopPropagation();
              p.onToggle(p.index);
            }}
          >
            {p.collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span className="toggle" />
        )}
        <span className="svc" style={{ borderColor: p.colour }}>
          {node.service}
        </span>
        <span className="op">{node.span.operationName}</span>
        {node.hasError ? (
          <span className="status-error" title="error">
            &nbsp;!
          </span>
        ) : null}
      </div>
      <div className="timeline" role="gridcell">
        <div
          className={`bar${node.hasError ? ' error' : ''}`}
          style={{
            left: pct(offset, p.traceDurationUs),
            width: pct(node.span.duration, p.traceDurationUs),
            background: p.colour,
          }}
        />
        {p.sections?.map((s) => (
          <div
            key={s.startUs}
            className="cp"
            style={{
              left: pct(s.startUs - p.traceStartUs, p.traceDurationUs),
              width: pct(s.endUs - s.startUs, p.traceDurationUs),
            }}
          />
        ))}
        <span
          className="bar-label"
          style={
            leftPct > 0.7
              ? { right: `${(1 - leftPct) * 100 + 0.5}%` }
              : { left: `calc(${pct(offset + node.span.duration, p.traceDurationUs)} + 4px)` }
          }
        >
          {formatDurationUs(node.span.duration)}
        </span>
      </div>
    </div>
  );
});

export function Waterfall({
  model,
  rows,
  collapsed,
  selected,
  matches,
  sections,
  colours,
  reveal,
  onToggle,
  onSelect,
}: {
  model: TraceModel;
  rows: number[];
  collapsed: ReadonlySet<number>;
  selected: number | null;
  matches: ReadonlySet<number>;
  sections: Sections | null;
  colours: Map<string, string>;
  /** a row (index into `rows`) to scroll into view; a new object each time it is requested */
  reveal: { row: number } | null;
  onToggle: (index: number) => void;
  onSelect: (index: number) => void;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [viewport, setViewport] = useState({ top: 0, height: 800 });

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return undefined;
    let frame = 0;
    const measure = (): void => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setViewport({ top: el.scrollTop, height: el.clientHeight }));
    };
    setViewport({ top: el.scrollTop, height: el.clientHeight });
    el.addEventListener('scroll', measure, { passive: true });
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      el.removeEventListener('scroll', measure);
      observer.disconnect();
    };
  }, []);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el || !reveal) return;
    const top = scrollToReveal(reveal.row, el.scrollTop, el.clientHeight, ROW_HEIGHT);
    if (top !== null) el.scrollTop = top;
  }, [reveal]);

  const duration = model.endUs - model.startUs;
  const { first, end } = rowWindow(viewport.top, viewport.height, ROW_HEIGHT, rows.length);
  const ticks = rulerTicks(duration);
  return (
    <div className="waterfall" style={{ ['--name-col' as string]: NAME_COLUMN }}>
      <div className="ruler" aria-label="Duration ruler">
        <div className="names">Service · operation</div>
        <div className="ticks">
          {ticks.map((t) => (
            <span key={t} className="tick" style={{ left: pct(t, duration) }}>
              {formatDurationUs(t)}
            </span>
          ))}
        </div>
      </div>
      <div className="rows" ref={scrollRef} role="grid" aria-label="Spans" aria-rowcount={rows.length}>
        <div style={{ height: rows.length * ROW_HEIGHT, position: 'relative' }}>
          {rows.slice(first, end).map((index, k) => {
            const node = model.spans[index] as SpanNode;
            return (
              <SpanRow
                key={index}
                index={index}
                node={node}
                top={(first + k) * ROW_HEIGHT}
                traceStartUs={model.startUs}
                traceDurationUs={duration}
                colour={colours.get(node.service) ?? '#17b8be'}
                collapsed={collapsed.has(index)}
                selected={selected === index}
                match={matches.has(index)}
                sections={sections?.get(node.span.spanID)}
                onToggle={onToggle}
                onSelect={onSelect}
              />
            );
          })}
        </div>
      </div>
    </div>
  );
}
