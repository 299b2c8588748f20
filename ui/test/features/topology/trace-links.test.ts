import { describe, expect, it } from 'vitest';
import { edgeTraceSearch, nodeTraceSearch } from '../../../src/features/topology/trace-links';
import { edge, node } from './fixtures';

describe('traces through here', () => {
  it('searches a node by service, and by version in the versioned graph', () => {
    expect(nodeTraceSearch(node('reviews'))).toEqual({ service: 'reviews', tags: undefined });
    expect(nodeTraceSearch(node('reviews', { version: 'v2' }))).toEqual({
      service: 'reviews',
      tags: 'service.version=v2',
    });
  });

  it("searches a mesh edge as the caller's spans naming the callee", () => {
    const page = node('productpage', { version: 'v1' });
    const reviews = node('reviews', { version: 'v2' });
    expect(edgeTraceSearch(edge(page, reviews), page, reviews)).toEqual({
      service: 'productpage',
      tags: 'destination_service_name=reviews destination_version=v2 service.version=v1',
    });
  });

  it("falls back to the callee's traces for an edge seen only in spans", () => {
    const web = node('web');
    const orders = node('orders');
    expect(edgeTraceSearch({ ...edge(web, orders), via: 'spans' }, web, orders)).toEqual({
      service: 'orders',
    });
  });
});
