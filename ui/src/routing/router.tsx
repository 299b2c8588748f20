import {
  useCallback,
  useMemo,
  useSyncExternalStore,
  type AnchorHTMLAttributes,
  type MouseEvent,
} from 'react';

/**
 * A small history router. The app has five routes and keeps its state in the query string, so a router
 * library would add more than it saves; this one keeps the URL the single source of truth for anything a
 * person would bookmark.
 */

const NAVIGATE_EVENT = 'meshscope:navigate';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

const currentHref = (): string => window.location.pathname + window.location.search;

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentHref()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** pathname + search, re-rendering on every navigation. */
export function useHref(): string {
  return useSyncExternalStore(subscribe, currentHref);
}

export function usePathname(): string {
  const href = useHref();
  return href.split('?')[0] ?? '/';
}

export type ParamPatch = Record<string, string | null | undefined>;

/** Applies a patch to search params: null/undefined/'' removes a key. */
export function patchParams(search: string, patch: ParamPatch): URLSearchParams {
  const next = new URLSearchParams(search);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || value === undefined || value === '') next.delete(key);
    else next.set(key, value);
  }
  return next;
}

/**
 * The query string and a setter that patches it. Typing into a field replaces the history entry; choices a
 * person would go "back" from (a selection, a page of results) push one.
 */
export function useSearchParams(): [
  URLSearchParams,
  (patch: ParamPatch, options?: { push?: boolean }) => void,
] {
  const href = useHref();
  const search = href.includes('?') ? href.slice(href.indexOf('?')) : '';
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const update = useCallback((patch: ParamPatch, options: { push?: boolean } = {}) => {
    const next = patchParams(window.location.search, patch).toString();
    navigate(window.location.pathname + (next ? `?${next}` : ''), { replace: !options.push });
  }, []);
  return [params, update];
}

/** An in-app link: a real <a href> (open in new tab works), handled without a reload on a plain click. */
export function Link({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const handleClick = (event: MouseEvent<HTMLAnchorElement>): void => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
      return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={handleClick} {...rest} />;
}
