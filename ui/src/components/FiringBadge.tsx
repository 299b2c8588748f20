import { firingLabel } from '../features/alerts/firing';
import { Link } from '../routing/router';

/** A red pill counting a service's firing alerts, linking to them on the alerts page. */
export function FiringBadge({ count, service, href }: { count: number; service: string; href: string }) {
  if (count <= 0) return null;
  return (
    <Link
      className="firing-badge"
      href={href}
      aria-label={`${firingLabel(count)} on ${service}`}
      title={firingLabel(count)}
    >
      {count} firing
    </Link>
  );
}
