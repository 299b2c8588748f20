import type { ReactNode } from 'react';
import { ApiFailure } from '../api/errors';

/** The three non-data states every view has, worded the same way everywhere. */

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty" role="status">
      <strong>{title}</strong>
      {children ? <div className="state-hint">{children}</div> : null}
    </div>
  );
}

function headline(error: Error): string {
  if (!(error instanceof ApiFailure)) return 'Something went wrong';
  if (error.kind === 'unreachable') return 'Cannot reach the meshscope API';
  if (error.kind === 'invalid-response') return 'Unexpected answer from the API';
  if (error.status === 404) return 'Not found';
  if (error.status === 401) return 'An API token is needed';
  if (error.status === 403) return 'Not allowed with this API token';
  if (error.status !== undefined && error.status < 500) return 'The request was not accepted';
  return 'The API reported an error';
}

export function ErrorState({ error, onRetry }: { error: Error; onRetry?: () => void }) {
  const parameter = error instanceof ApiFailure ? error.parameter : undefined;
  return (
    <div className="state state-error" role="alert">
      <strong>{headline(error)}</strong>
      <div className="state-hint">
        {error.message}
        {parameter ? ` (parameter: ${parameter})` : null}
      </div>
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

interface QueryLike<T> {
  data: T | undefined;
  error: Error | null;
  isPending: boolean;
  refetch: () => unknown;
}

/** Renders a query's loading and error states, or its data through `children`. */
export function QueryView<T>({
  query,
  loadingLabel,
  children,
}: {
  query: QueryLike<T>;
  loadingLabel?: string;
  children: (data: T) => ReactNode;
}) {
  if (query.data !== undefined) return <>{children(query.data)}</>;
  if (query.error) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <Loading label={loadingLabel} />;
}
