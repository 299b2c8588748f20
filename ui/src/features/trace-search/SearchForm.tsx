import { useState, type FormEvent, type ReactNode } from 'react';
import { useJaegerOperationsQuery } from '../../hooks/useJaegerOperationsQuery';
import { useJaegerServicesQuery } from '../../hooks/useJaegerServicesQuery';
import { LOOKBACK_CHOICES, timeRangeParams } from '../../lib/time-range';
import type { TimeWindowState } from '../../hooks/useTimeWindow';
import { navigate, useSearchParams } from '../../routing/router';
import { links } from '../../routing/links';
import { FIELD_KEYS, fieldsFromUrl, validateFields, type SearchFields } from './search-params';

function Field({ label, error, children }: { label: string; error?: string; children: ReactNode }) {
  return (
    <div className="form-field">
      <label>
        <span>{label}</span>
        {children}
      </label>
      {error ? <span className="field-error">{error}</span> : null}
    </div>
  );
}

export function SearchForm({ time }: { time: TimeWindowState }) {
  const [params, update] = useSearchParams();
  const [fields, setFields] = useState<SearchFields>(() => fieldsFromUrl(params));
  const [lookback, setLookback] = useState(time.range.kind === 'lookback' ? time.range.text : '1h');
  const [submitted, setSubmitted] = useState(false);
  const [traceID, setTraceID] = useState('');
  const services = useJaegerServicesQuery();
  const operations = useJaegerOperationsQuery(fields.service);
  const errors = submitted ? validateFields(fields) : {};
  const set = (key: keyof SearchFields) => (value: string) => setFields((f) => ({ ...f, [key]: value }));

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(validateFields(fields)).length > 0) return;
    const patch: Record<string, string | null> = {
      ...timeRangeParams({ kind: 'lookback', text: lookback, lookbackSec: 0 }),
    };
    for (const key of FIELD_KEYS) patch[key] = fields[key].trim() || null;
    patch.limit = fields.limit.trim();
    update(patch, { push: true });
    time.refreshNow();
  };

  return (
    <div className="search-side">
      <form className="card search-form" onSubmit={submit} aria-label="Trace search">
        <h2>Search</h2>
        <Field label="Service">
          <select
            aria-label="Service"
            value={fields.service}
            onChange={(e) => setFields((f) => ({ ...f, service: e.target.value, operation: '' }))}
          >
            <option value="">{services.isPending ? 'Loading…' : 'All services'}</option>
            {(services.data ?? []).map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
            {fields.service !== '' && services.data && !services.data.includes(fields.service) ? (
              <option value={fields.service}>{fields.service}</option>
            ) : null}
          </select>
        </Field>
        {services.error ? (
          <span className="field-error">Service names unavailable: {services.error.message}</span>
        ) : null}
        <Field label="Operation">
          <select
            aria-label="Operation"
            value={fields.operation}
            onChange={(e) => set('operation')(e.target.value)}
            disabled={fields.service === ''}
          >
            <option value="">All operations</option>
            {(operations.data ?? []).map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
            {fields.operation !== '' && !(operations.data ?? []).includes(fields.operation) ? (
              <option value={fields.operation}>{fields.operation}</option>
            ) : null}
          </select>
        </Field>
        <Field label="Tags" error={errors.tags}>
          <input
            aria-label="Tags"
            placeholder="http.response.status_code=500 error=true"
            value={fields.tags}
            aria-invalid={errors.tags !== undefined}
            onChange={(e) => set('tags')(e.target.value)}
          />
        </Field>
        <Field label="Lookback">
          <select aria-label="Lookback" value={lookback} onChange={(e) => setLookback(e.target.value)}>
            {LOOKBACK_CHOICES.map((c) => (
              <option key={c} value={c}>
                Last {c}
              </option>
            ))}
          </select>
        </Field>
        <div className="form-row">
          <Field label="Min duration" error={errors.minDuration}>
            <input
              aria-label="Min duration"
              placeholder="e.g. 100ms"
              size={8}
              value={fields.minDuration}
              aria-invalid={errors.minDuration !== undefined}
              onChange={(e) => set('minDuration')(e.target.value)}
            />
          </Field>
          <Field label="Max duration" error={errors.maxDuration}>
            <input
              aria-label="Max duration"
              placeholder="e.g. 2s"
              size={8}
              value={fields.maxDuration}
              aria-invalid={errors.maxDuration !== undefined}
              onChange={(e) => set('maxDuration')(e.target.value)}
            />
          </Field>
        </div>
        <Field label="Limit" error={errors.limit}>
          <input
            aria-label="Limit"
            inputMode="numeric"
            size={5}
            value={fields.limit}
            aria-invalid={errors.limit !== undefined}
            onChange={(e) => set('limit')(e.target.value)}
          />
        </Field>
        <button type="submit">Find traces</button>
      </form>
      <form
        className="card search-form"
        aria-label="Open trace by ID"
        onSubmit={(e) => {
          e.preventDefault();
          if (traceID.trim() !== '') navigate(links.trace(traceID.trim().toLowerCase()));
        }}
      >
        <Field label="Trace ID">
          <input
            aria-label="Trace ID"
            placeholder="32 hex digits"
            value={traceID}
            onChange={(e) => setTraceID(e.target.value)}
          />
        </Field>
        <button type="submit">Open trace</button>
      </form>
    </div>
  );
}
