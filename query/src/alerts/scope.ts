import picomatch from 'picomatch';
import type { Scope } from '../api/alerts.js';

/**
 * Which services, operations or edges a rule watches. Names are globs (`*`, `pay-*`, `{cart,checkout}`);
 * a name without glob characters matches itself only.
 */

export type ScopeKind = 'service' | 'operation' | 'edge';

export interface ScopeMatcher {
  kind: ScopeKind;
  /** instance labels of a subject, or undefined when the subject is outside the scope */
  service(name: string): boolean;
  operation(name: string): boolean;
  source(name: string): boolean;
  destination(name: string): boolean;
  /** names of subjects that exist whether or not traffic was seen (exact names, no globs) */
  fixedServices: string[];
}

const glob = (pattern: string | undefined): ((name: string) => boolean) => {
  if (pattern === undefined || pattern === '*') return () => true;
  if (!picomatch.scan(pattern).isGlob) return (name) => name === pattern;
  return picomatch(pattern, { dot: true, nobrace: false });
};

export function compileScope(scope: Scope): ScopeMatcher {
  const kind: ScopeKind = scope.edge ? 'edge' : scope.operation !== undefined ? 'operation' : 'service';
  const fixed =
    kind === 'service' && scope.service !== undefined && !picomatch.scan(scope.service).isGlob
      ? [scope.service]
      : [];
  return {
    kind,
    service: glob(scope.service),
    operation: glob(scope.operation),
    source: glob(scope.edge?.source),
    destination: glob(scope.edge?.destination),
    fixedServices: fixed,
  };
}
