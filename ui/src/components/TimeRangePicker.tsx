import { useSearchParams } from '../routing/router';
import { LOOKBACK_CHOICES, REFRESH_CHOICES, timeRangeParams } from '../lib/time-range';
import type { TimeWindowState } from '../hooks/useTimeWindow';

/** Lookback and auto-refresh, both kept in the URL (`range`, `refresh`). */
export function TimeRangePicker({ time }: { time: TimeWindowState }) {
  const [, update] = useSearchParams();
  const lookback = time.range.kind === 'lookback' ? time.range.text : 'custom';
  const choices: readonly string[] = LOOKBACK_CHOICES;
  return (
    <div className="time-range" role="group" aria-label="Time range">
      <label>
        <span className="visually-hidden">Time range</span>
        <select
          aria-label="Time range"
          value={lookback}
          onChange={(e) =>
            update(timeRangeParams({ kind: 'lookback', text: e.target.value, lookbackSec: 0 }), {
              push: true,
            })
          }
        >
          {lookback === 'custom' || !choices.includes(lookback) ? (
            <option value={lookback}>{lookback === 'custom' ? 'Custom window' : `Last ${lookback}`}</option>
          ) : null}
          {LOOKBACK_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              Last {choice}
            </option>
          ))}
        </select>
      </label>
      <label>
        <span className="visually-hidden">Auto-refresh</span>
        <select
          aria-label="Auto-refresh"
          value={time.refreshChoice}
          onChange={(e) =>
            update({ refresh: e.target.value === time.refreshDefault ? null : e.target.value })
          }
        >
          {REFRESH_CHOICES.map((choice) => (
            <option key={choice} value={choice}>
              {choice === 'off' ? 'No auto-refresh' : `Every ${choice}`}
            </option>
          ))}
        </select>
      </label>
      <button type="button" onClick={time.refreshNow} aria-label="Refresh now" title="Refresh now">
        ↻
      </button>
    </div>
  );
}
