import { describe, expect, it } from 'vitest';
import { shapeTopology, structureKey } from '../../../src/features/topology/graph-model';
import { parseFilter, type Predicate } from '../../../src/lib/expression-filter';
import { edge, graph, node, signals } from './fixtures';

const p = (text: string): Predicate => {
  const result = parseFilter(text);
  if (!result?.ok) throw new Error(text);
  return result.predicate;
};

const frontend = node('frontend');
const reviews = node('reviews', { signals: signals(20, 0.08), health: 'Degraded' });
const ratings = node('ratings', { signals: signals(0.5) });
const legacy = node('legacy', { idle: true, signals: signals(0), health: 'NA' });
const world = graph(
  [frontend, reviews, ratings, legacy],
  [edge(frontend, reviews, 20, 0.08, 'Degraded'), edge(reviews, ratings, 0.5)],
);
const ids = (list: { id: string }[]) => list.map((x) => x.id).sort();

describe('shapeTopology', () => {
  it('leaves idle nodes out unless asked for', () => {
    expect(ids(shapeTopology(world, { showIdle: false, hide: null, find: null }).nodes)).not.toContain(
      legacy.id,
    );
    expect(ids(shapeTopology(world, { showIdle: true, hide: null, find: null }).nodes)).toContain(legacy.id);
  });

  it('hides nodes matched by name, with their edges', () => {
    const view = shapeTopology(world, { showIdle: false, hide: p('reviews'), find: null });
    expect(ids(view.nodes)).toEqual([frontend.id, ratings.id].sort());
    expect(view.edges).toEqual([]);
    expect(view.hiddenNodes).toBe(2); // reviews, and the idle node
  });

  it('hides quiet edges by a numeric expression without hiding their busy ends', () => {
    const view = shapeTopology(world, { showIdle: false, hide: p('rps < 1'), find: null });
    expect(ids(view.nodes)).toEqual([frontend.id, reviews.id].sort());
    expect(view.edges.map((e) => e.target)).toEqual([reviews.id]);
  });

  it('marks what find matches, nodes and edges alike', () => {
    const view = shapeTopology(world, { showIdle: false, hide: null, find: p('error% > 5') });
    expect([...(view.found?.nodes ?? [])]).toEqual([reviews.id]);
    expect([...(view.found?.edges ?? [])]).toEqual([world.edges[0]?.id]);
  });

  it('groups the versions of a service in the versioned graph', () => {
    const v1 = node('reviews', { version: 'v1' });
    const v2 = node('reviews', { version: 'v2' });
    const view = shapeTopology(graph([frontend, v1, v2], [], 'versioned'), {
      showIdle: false,
      hide: null,
      find: null,
    });
    expect(view.groups).toEqual([{ id: 'group:shop/reviews', label: 'reviews', members: [v1.id, v2.id] }]);
  });
});

describe('structureKey', () => {
  it('ignores numbers and order, so a refresh keeps the layout', () => {
    const busier = graph(
      [reviews, frontend, ratings].map((n) => ({ ...n, signals: signals(99) })),
      world.edges.toReversed().map((e) => ({ ...e, signals: signals(99) })),
    );
    const a = shapeTopology(world, { showIdle: false, hide: null, find: null });
    const b = shapeTopology(busier, { showIdle: false, hide: null, find: null });
    expect(structureKey(a)).toBe(structureKey(b));
  });
  it('changes when a node appears', () => {
    const a = shapeTopology(world, { showIdle: false, hide: null, find: null });
    const b = shapeTopology(world, { showIdle: true, hide: null, find: null });
    expect(structureKey(a)).not.toBe(structureKey(b));
  });
});
