import type { ReactNode } from 'react';
import { EmptyState, ErrorState, Loading } from '../StateViews';

/** Title, size and the loading / error / empty states shared by every chart. */
export function ChartFrame({
  title,
  height,
  loading,
  error,
  empty,
  emptyTitle = 'No data in this window',
  children,
}: {
  title: string;
  height: number;
  loading?: boolean;
  error?: Error | null;
  empty: boolean;
  emptyTitle?: string;
  children: ReactNode;
}) {
  let body: ReactNode;
  if (error) body = <ErrorState error={error} />;
  else if (loading) body = <Loading label={`Loading ${title.toLowerCase()}…`} />;
  else if (empty) body = <EmptyState title={emptyTitle} />;
  else body = children;
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      <div className="chart-body" style={{ height }}>
        {body}
      </div>
    </figure>
  );
}
