import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ApiFailure } from './api/errors';
import { App } from './App';
import { prefetchForLocation } from './routing/prefetch';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      refetchOnWindowFocus: false,
      // A 4xx or an answer we cannot parse will not get better by asking again; an outage might.
      retry: (failures, error) =>
        failures < 2 &&
        !(error instanceof ApiFailure && (error.kind === 'invalid-response' || (error.status ?? 500) < 500)),
    },
  },
});

prefetchForLocation(queryClient, window.location.pathname, window.location.search);

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <App />
      </QueryClientProvider>
    </StrictMode>,
  );
}
