import { useState, type FormEvent } from 'react';
import type { Silence } from '@meshscope/query/api';
import { ApiFailure } from '../../api/errors';
import { EmptyState, QueryView } from '../../components/StateViews';
import { useCreateSilenceMutation, useExpireSilenceMutation } from '../../hooks/useAlertMutations';
import { useSilencesQuery } from '../../hooks/useSilencesQuery';
import { formatDateTime } from '../../lib/format';
import { Field } from './Field';
import { writeRefusal } from './write-refusal';
import {
  formatMatchers,
  silenceFieldOf,
  silenceFromForm,
  type SilenceField,
  type SilenceForm,
} from './silence-form';

const NEW_SILENCE: SilenceForm = { matchers: '', startsAt: '', duration: '2h', createdBy: '', comment: '' };

/** Silences: a form (matchers, start, duration) and the list, each active or pending one expirable. */
export function SilencesPanel({ prefill, onCreated }: { prefill: string; onCreated: () => void }) {
  // a new prefill (a "Silence…" click) restarts the form with its matchers
  const [form, setForm] = useState<SilenceForm>({ ...NEW_SILENCE, matchers: prefill });
  const [lastPrefill, setLastPrefill] = useState(prefill);
  if (prefill !== lastPrefill) {
    setLastPrefill(prefill);
    setForm({ ...NEW_SILENCE, matchers: prefill });
  }
  const [errors, setErrors] = useState<Partial<Record<SilenceField, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const create = useCreateSilenceMutation();
  const query = useSilencesQuery();

  const set = (key: SilenceField) => (value: string) => {
    setForm((f) => ({ ...f, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    const result = silenceFromForm(form, Date.now());
    if (!result.ok) {
      setErrors(result.errors);
      return;
    }
    setFormError(null);
    create.mutate(result.silence, {
      onSuccess: () => {
        setForm(NEW_SILENCE);
        onCreated();
      },
      onError: (error) => {
        const field = error instanceof ApiFailure ? silenceFieldOf(error.parameter) : null;
        if (field) setErrors({ [field]: error.message });
        else setFormError(writeRefusal(error) ?? error.message);
      },
    });
  };

  return (
    <div className="silences">
      <form onSubmit={submit} aria-label="New silence" className="silence-form" noValidate>
        <fieldset disabled={create.isPending}>
          <legend>New silence</legend>
          <Field
            label="Matchers"
            error={errors.matchers}
            hint='e.g. alertname="HighErrors", service=~"pay-.*"'
          >
            {(p) => (
              <input
                {...p}
                size={48}
                value={form.matchers}
                onChange={(e) => set('matchers')(e.target.value)}
              />
            )}
          </Field>
          <Field label="Starts" error={errors.startsAt} hint="empty: now">
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                value={form.startsAt}
                onChange={(e) => set('startsAt')(e.target.value)}
              />
            )}
          </Field>
          <Field label="Duration" error={errors.duration} hint="e.g. 30m, 2h, 1d">
            {(p) => (
              <input
                {...p}
                size={6}
                value={form.duration}
                onChange={(e) => set('duration')(e.target.value)}
              />
            )}
          </Field>
          <Field label="Created by" error={errors.createdBy}>
            {(p) => (
              <input {...p} value={form.createdBy} onChange={(e) => set('createdBy')(e.target.value)} />
            )}
          </Field>
          <Field label="Comment" error={errors.comment}>
            {(p) => (
              <input {...p} size={32} value={form.comment} onChange={(e) => set('comment')(e.target.value)} />
            )}
          </Field>
          <div className="form-actions">
            <button type="submit" className="primary">
              {create.isPending ? 'Creating…' : 'Create silence'}
            </button>
            {formError ? (
              <span className="field-error" role="alert">
                {formError}
              </span>
            ) : null}
          </div>
        </fieldset>
      </form>
      <QueryView query={query} loadingLabel="Loading silences…">
        {(data) =>
          data.silences.length === 0 ? (
            <EmptyState title="No silences">
              Silenced alerts are still evaluated, but not notified.
            </EmptyState>
          ) : (
            <SilencesTable silences={data.silences} />
          )
        }
      </QueryView>
    </div>
  );
}

const STATUS_ORDER = { active: 0, pending: 1, expired: 2 } as const;

function SilencesTable({ silences }: { silences: Silence[] }) {
  const expire = useExpireSilenceMutation();
  const expireError = expire.error ? (writeRefusal(expire.error) ?? expire.error.message) : null;
  const sorted = [...silences].sort(
    (a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || b.startsAtMs - a.startsAtMs,
  );
  return (
    <table className="data" aria-label="Silences">
      <thead>
        <tr>
          <th>Status</th>
          <th>Matchers</th>
          <th>Starts</th>
          <th>Ends</th>
          <th>By</th>
          <th>Comment</th>
          <th>
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((s) => {
          const matchers = formatMatchers(s.matchers);
          return (
            <tr key={s.id} data-status={s.status} aria-label={`Silence ${matchers}, ${s.status}`}>
              <td>
                <span className="silence-status" data-status={s.status}>
                  {s.status}
                </span>
              </td>
              <td className="mono">{matchers}</td>
              <td>{formatDateTime(s.startsAtMs)}</td>
              <td>{formatDateTime(s.endsAtMs)}</td>
              <td>{s.createdBy}</td>
              <td>{s.comment}</td>
              <td className="row-actions">
                {s.status !== 'expired' ? (
                  <button
                    type="button"
                    aria-label={`Expire silence ${matchers}`}
                    disabled={expire.isPending}
                    onClick={() => expire.mutate(s.id)}
                  >
                    Expire
                  </button>
                ) : null}
                {expireError !== null && expire.variables === s.id ? (
                  <span className="field-error" role="alert">
                    {expireError}
                  </span>
                ) : null}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
