import { Link, usePathname, useSearchParams } from './routing/router';
import { links } from './routing/links';
import { lazy, Suspense } from 'react';
import { Loading } from './components/StateViews';
import { SignInPanel } from './features/auth/SignInPanel';
import { SignOutButton } from './features/auth/SignOutButton';
import { useAuthSession } from './hooks/useAuthSession';
import { NotFoundPage } from './pages/NotFoundPage';

// One chunk per page: the trace view never loads the charting library, the topology never loads the waterfall.
const ServicesPage = lazy(() => import('./pages/ServicesPage').then((m) => ({ default: m.ServicesPage })));
const ServiceDetailPage = lazy(() =>
  import('./pages/ServiceDetailPage').then((m) => ({ default: m.ServiceDetailPage })),
);
const TopologyPage = lazy(() => import('./pages/TopologyPage').then((m) => ({ default: m.TopologyPage })));
const TraceSearchPage = lazy(() =>
  import('./pages/TraceSearchPage').then((m) => ({ default: m.TraceSearchPage })),
);
const AlertsPage = lazy(() => import('./pages/AlertsPage').then((m) => ({ default: m.AlertsPage })));
const TracePage = lazy(() => import('./pages/TracePage').then((m) => ({ default: m.TracePage })));

function route(pathname: string) {
  if (pathname === '/' || pathname === '/topology') return <TopologyPage />;
  if (pathname === '/services') return <ServicesPage />;
  const service = /^\/services\/([^/]+)$/.exec(pathname);
  if (service) return <ServiceDetailPage service={decodeURIComponent(service[1] ?? '')} />;
  if (pathname === '/traces') return <TraceSearchPage />;
  const trace = /^\/traces\/([^/]+)$/.exec(pathname);
  if (trace) return <TracePage traceID={decodeURIComponent(trace[1] ?? '')} />;
  if (pathname === '/alerts') return <AlertsPage />;
  return <NotFoundPage />;
}

const NAV = [
  { label: 'Topology', match: (p: string) => p === '/' || p === '/topology', href: links.topology },
  { label: 'Services', match: (p: string) => p.startsWith('/services'), href: links.services },
  {
    label: 'Traces',
    match: (p: string) => p.startsWith('/traces'),
    href: (q: URLSearchParams) => links.traceSearch(q),
  },
  {
    label: 'Alerts',
    match: (p: string) => p.startsWith('/alerts'),
    href: (q: URLSearchParams) => links.alerts(q),
  },
];

export function App() {
  const pathname = usePathname();
  const [params] = useSearchParams();
  const auth = useAuthSession();
  return (
    <div className="app">
      <header className="app-header">
        <span className="brand">meshscope</span>
        <nav aria-label="Main">
          {NAV.map((item) => (
            <Link
              key={item.label}
              href={item.href(params)}
              aria-current={item.match(pathname) ? 'page' : undefined}
            >
              {item.label}
            </Link>
          ))}
        </nav>
        <span className="spacer" />
        {auth.token !== null ? <SignOutButton /> : null}
      </header>
      <main className="app-main">
        {auth.challenge !== null ? <SignInPanel reason={auth.challenge} /> : null}
        {/* kept mounted while signing in, so a half-written form survives a token that stopped working */}
        <div className="app-page" hidden={auth.challenge !== null}>
          <Suspense fallback={<Loading />}>{route(pathname)}</Suspense>
        </div>
      </main>
    </div>
  );
}
