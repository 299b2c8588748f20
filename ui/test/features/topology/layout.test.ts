import { describe, expect, it } from 'vitest';
import { shapeTopology } from '../../../src/features/topology/graph-model';
import { layoutGraph } from '../../../src/features/topology/layout';
import { bigGraph, edge, graph, node } from './fixtures';

describe('layoutGraph', () => {
  it('places callers left of callees', () => {
    const a = node('a');
    const b = node('b');
    const c = node('c');
    const layout = layoutGraph(
      shapeTopology(graph([c, b, a], [edge(a, b), edge(b, c)]), { showIdle: false, hide: null, find: null }),
    );
    const x = (id: string) => layout.nodes.get(id)?.x ?? Number.NaN;
    expect(x(a.id)).toBeLessThan(x(b.id));
    expect(x(b.id)).toBeLessThan(x(c.id));
    expect(layout.edges.get(`${a.id}->${b.id}/http`)?.length).toBeGreaterThanOrEqual(2);
  });

  it('boxes the versions of a service around its nodes', () => {
    const v1 = node('reviews', { version: 'v1' });
    const v2 = node('reviews', { version: 'v2' });
    const fe = node('frontend', { version: 'v1' });
    const view = shapeTopology(graph([fe, v1, v2], [edge(fe, v1), edge(fe, v2)], 'versioned'), {
      showIdle: false,
      hide: null,
      find: null,
    });
    const layout = layoutGraph(view);
    const box = layout.groups.get('group:shop/reviews');
    expect(box).toBeDefined();
    for (const id of [v1.id, v2.id]) {
      const at = layout.nodes.get(id);
      expect(
        at && box && at.x > box.x && at.x < box.x + box.width && at.y > box.y && at.y < box.y + box.height,
      ).toBe(true);
    }
  });

  it('places every node of a 300-node graph at a distinct spot', () => {
    const view = shapeTopology(bigGraph(300), { showIdle: false, hide: null, find: null });
    const layout = layoutGraph(view);
    const spots = new Set([...layout.nodes.values()].map((p) => `${Math.round(p.x)},${Math.round(p.y)}`));
    expect(spots.size).toBe(300);
  });
});
