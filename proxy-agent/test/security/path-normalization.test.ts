import { describe, expect, it } from 'vitest';
import { normalizeTarget } from '../../src/security/path-normalization.js';

describe("normalizeTarget: Istio's default path normalization (BASE)", () => {
  it.each([
    // istio.io "Authorization Policy Normalization", BASE
    ['/some%2fdata/%61%62%63', '/some%2fdata/abc'], // unreserved decoded once, %2F kept
    ['/some\\data', '/some/data'],
    ['/public/./data/abc/../xyz', '/public/data/xyz'],
    ['/some//data///abc', '/some//data///abc'], // merging slashes is MERGE_SLASHES, not BASE
    ['/foo?v=1', '/foo?v=1'],
    // the query is kept as sent, dots and escapes included
    ['/a/../b?x=/../%61', '/b?x=/../%61'],
    // decoded before the dot segments are resolved, so an encoded .. climbs too
    ['/public/%2e%2e/admin', '/admin'],
    ['/%2E%2E/%2e%2E/etc', '/etc'],
    ['/public\\..\\admin', '/admin'],
    ['/%7E%7euser/%41%5A%30%39%2D%5F', '/~~user/AZ09-_'],
    ['/%3A%2525%zz', '/%3A%2525%zz'], // reserved or not an escape: unchanged
    ['/..', '/'],
    ['/a/..', '/'],
    ['/a/.', '/a/'],
    ['/.', '/'],
    ['/a/b/../../..', '/'],
    ['/admin#frag', '/admin'], // a fragment is never part of a request target
    ['/a?q#f', '/a?q'],
    ['http://app:8080/admin?q=1', '/admin?q=1'], // absolute-form becomes origin-form
    ['http://app', '/'],
    ['HTTPS://app?x', '/?x'],
    ['*', '*'],
    ['/plain/path?x=1', '/plain/path?x=1'],
  ])('%s → %s', (target, expected) => {
    expect(normalizeTarget(target)).toBe(expected);
  });

  it.each([['/a%00b'], ['/%00'], ['admin'], ['']])('refuses %j', (target) => {
    expect(normalizeTarget(target)).toBeUndefined();
  });
});
