import { EmptyState } from '../components/StateViews';
import { Link } from '../routing/router';

export function NotFoundPage() {
  return (
    <EmptyState title="There is no page at this address">
      Go to the <Link href="/topology">topology</Link>, the <Link href="/services">services</Link> or{' '}
      <Link href="/traces">trace search</Link>.
    </EmptyState>
  );
}
