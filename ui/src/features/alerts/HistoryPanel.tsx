import { useMemo } from 'react';
import { AlertTimelineChart } from '../../components/charts/AlertTimelineChart';
import { useAlertHistoryQuery } from '../../hooks/useAlertHistoryQuery';
import { formatDateTime } from '../../lib/format';
import type { TimeWindow } from '../../lib/time-range';
import { subjectOf } from './instance-rows';
import { shapeTimeline } from './timeline';

/** Newest events listed under the chart; the chart shows them all. */
const LISTED = 50;

/** Transitions and notifications over the page's time range, for one rule or all of them. */
export function HistoryPanel({
  rule,
  window,
  openEnded,
}: {
  rule: string | undefined;
  window: TimeWindow;
  /** a lookback: events up to the service's now */
  openEnded: boolean;
}) {
  const query = useAlertHistoryQuery(rule, window, openEnded);
  const timeline = useMemo(
    () =>
      query.data
        ? shapeTimeline(query.data.events, {
            startMs: window.startSec * 1000,
            endMs: Math.max(window.endSec * 1000, ...query.data.events.map((e) => e.timeMs)),
          })
        : undefined,
    [query.data, window.startSec, window.endSec],
  );
  const events = query.data?.events ?? [];
  return (
    <>
      <AlertTimelineChart timeline={timeline} loading={query.isPending} error={query.error} />
      {events.length > 0 ? (
        <details className="history-events">
          <summary>
            {events.length} event{events.length === 1 ? '' : 's'}
            {events.length > LISTED ? ` (newest ${LISTED} listed)` : ''}
          </summary>
          <table className="data compact" aria-label="Alert history">
            <thead>
              <tr>
                <th>Time</th>
                <th>Rule</th>
                <th>Subject</th>
                <th>Event</th>
                <th className="num">Value</th>
                <th>Detail</th>
              </tr>
            </thead>
            <tbody>
              {events.slice(0, LISTED).map((e, i) => (
                <tr key={`${e.fingerprint}:${e.timeMs}:${e.event}:${i}`}>
                  <td>{formatDateTime(e.timeMs)}</td>
                  <td>{e.rule}</td>
                  <td>{subjectOf(e.labels)}</td>
                  <td>{e.event.replace('_', ' ')}</td>
                  <td className="num">{e.value === null ? '' : Number(e.value.toPrecision(4))}</td>
                  <td className="muted">{[e.receiver, e.message].filter(Boolean).join(': ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </details>
      ) : null}
    </>
  );
}
