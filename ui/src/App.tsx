import { Link, usePathname, useSearchParams } from './routing/router';
import { links } from './routing/links';
import { ServicesPage } from './pages/ServicesPage';
import { ServiceDetailPage } from './pages/ServiceDetailPage';
import { TopologyPage } from './pages/TopologyPage';
import { TraceSearchPage } from './pages/TraceSearchPage';
import { TracePage } from './pages/TracePage';
import { NotFoundPage } from './pages/NotFoundPage';

function route(pathname: string) {
  if (pathname === '/' || pathname === '/topology') return <TopologyPage />;
  if (pathname === '/services') return <ServicesPage />;
  const service = /^\/services\/([^/]+)$/.exec(pathname);
  if (service) return <ServiceDetailPage service={decodeURIComponent(service[1] ?? '')} />;
  if (pathname === '/traces') return <TraceSearchPage />;
  const trace = /^\/traces\/([^/]+)$/.exec(pathname);
  if (trace) return <TracePage traceID={decodeURIComponent(trace[1] ?? '')} />;
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
];

export function App() {
  const pathname = usePathname();
  const [params] = useSearchParams();
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
      </header>
      <main className="app-main">{route(pathname)}</main>
    </div>
  );
}
