import { describe, expect, it } from 'vitest';
import { healthConfigSchema, kialiPattern, type HealthConfigInput } from '../../src/health/config.js';
import {
  compileHealthPolicy,
  edgeHealth,
  healthResultSchema,
  nodeHealth,
  protocolTrafficFromCounts,
  worseHealth,
  type HealthEntity,
  type ProtocolTraffic,
} from '../../src/health/health.js';

const svc: HealthEntity = { namespace: 'shop', kind: 'service', name: 'checkout' };
const defaults = compileHealthPolicy();
const none: ProtocolTraffic = {};

/** `errors` requests with `code` out of `total`, the rest 200. */
const http = (code: string, errors: number, total: number): ProtocolTraffic => ({
  http: { '200': total - errors, [code]: errors },
});
const inbound = (traffic: ProtocolTraffic) => nodeHealth(defaults, svc, { inbound: traffic, outbound: none });

describe("Kiali's default tolerances, at each boundary", () => {
  it.each([
    // 5xx: degraded > 0 %, failure >= 10 %
    ['503', 0, 1000, 'Healthy'],
    ['503', 1, 100_000, 'Degraded'], // 0.001 %
    ['503', 99, 1000, 'Degraded'], // 9.9 %
    ['503', 100, 1000, 'Failure'], // 10 %
    ['503', 7, 70, 'Failure'], // 10 %
    ['500', 1000, 1000, 'Failure'],
    // 4xx: degraded >= 10 %, failure >= 20 %
    ['404', 99, 1000, 'Healthy'], // 9.9 %
    ['404', 100, 1000, 'Degraded'], // 10 %
    ['429', 199, 1000, 'Degraded'], // 19.9 %
    ['429', 200, 1000, 'Failure'], // 20 %
    // not an error class
    ['302', 500, 1000, 'Healthy'],
    // no response
    ['-', 1, 1000, 'Degraded'],
    ['-', 100, 1000, 'Failure'],
  ] as const)('http %s: %i of %i → %s', (code, errors, total, status) => {
    expect(inbound(http(code, errors, total)).status).toBe(status);
  });

  it.each([
    ['14', 0, 100, 'Healthy'],
    ['14', 1, 1000, 'Degraded'],
    ['2', 99, 1000, 'Degraded'],
    ['16', 100, 1000, 'Failure'],
    ['1', 10, 100, 'Failure'],
    ['17', 500, 1000, 'Healthy'], // not a gRPC status code
    ['-', 100, 1000, 'Failure'],
  ] as const)('grpc %s: %i of %i → %s', (code, errors, total, status) => {
    expect(inbound({ grpc: { '0': total - errors, [code]: errors } }).status).toBe(status);
  });

  it('reports the error ratio behind the status', () => {
    expect(inbound(http('503', 5, 100))).toEqual({ status: 'Degraded', errorRatioPct: 5 });
    expect(inbound(http('503', 0, 100))).toEqual({ status: 'Healthy', errorRatioPct: 0 });
    expect(healthResultSchema.parse(inbound(http('503', 5, 100)))).toEqual({
      status: 'Degraded',
      errorRatioPct: 5,
    });
  });

  it('worst wins across tolerances: 4xx failure beats 5xx degraded', () => {
    const mixed: ProtocolTraffic = { http: { '200': 750, '503': 50, '404': 200 } };
    expect(inbound(mixed)).toEqual({ status: 'Failure', errorRatioPct: 20 });
  });

  it('no traffic, or traffic no tolerance covers, is NA', () => {
    expect(inbound(none)).toEqual({ status: 'NA', errorRatioPct: null });
    expect(inbound({ http: {} })).toEqual({ status: 'NA', errorRatioPct: null });
    expect(inbound({ http: { '200': 0 } })).toEqual({ status: 'NA', errorRatioPct: null });
    expect(inbound({ tcp: { '0': 100 } })).toEqual({ status: 'NA', errorRatioPct: null });
  });
});

describe('nodes and edges', () => {
  it('a node is the worst of its inbound and outbound traffic', () => {
    const result = nodeHealth(defaults, svc, {
      inbound: http('503', 1, 100),
      outbound: http('503', 20, 100),
    });
    expect(result).toEqual({ status: 'Failure', errorRatioPct: 20 });
    expect(nodeHealth(defaults, svc, { inbound: none, outbound: http('503', 1, 100) }).status).toBe(
      'Degraded',
    );
    expect(nodeHealth(defaults, svc, { inbound: http('503', 0, 10), outbound: none }).status).toBe('Healthy');
  });

  it('an edge is the worse of the source-outbound and destination-inbound views', () => {
    // the destination tolerates 5xx on inbound up to 50 %; the source uses the defaults on outbound
    const policy = compileHealthPolicy(
      healthConfigSchema.parse({
        rate: [
          {
            name: 'payments',
            tolerance: [{ code: '5XX', degraded: 30, failure: 50, protocol: 'http', direction: 'inbound' }],
          },
        ],
      }),
    );
    const payments: HealthEntity = { namespace: 'shop', kind: 'service', name: 'payments' };
    const traffic = http('503', 20, 100);
    expect(edgeHealth(policy, { source: svc, destination: payments, traffic })).toEqual({
      status: 'Failure',
      errorRatioPct: 20,
    });
    // reverse edge: payments' own rate has no outbound tolerance (NA); checkout's inbound defaults decide
    expect(edgeHealth(policy, { source: payments, destination: svc, traffic }).status).toBe('Failure');
    // destination view alone is lenient
    expect(nodeHealth(policy, payments, { inbound: traffic, outbound: none })).toEqual({
      status: 'Healthy',
      errorRatioPct: 20,
    });
    expect(edgeHealth(policy, { source: svc, destination: payments, traffic: none }).status).toBe('NA');
  });

  it('worseHealth orders Failure > Degraded > Healthy > NA, then by ratio', () => {
    const h = (status: 'Healthy' | 'Degraded' | 'Failure' | 'NA', errorRatioPct: number | null) => ({
      status,
      errorRatioPct,
    });
    expect(worseHealth(h('NA', null), h('Healthy', 0))).toEqual(h('Healthy', 0));
    expect(worseHealth(h('Failure', 10), h('Degraded', 90))).toEqual(h('Failure', 10));
    expect(worseHealth(h('Degraded', 1), h('Degraded', 3))).toEqual(h('Degraded', 3));
  });
});

describe('configurable tolerances', () => {
  const parse = (input: HealthConfigInput) => healthConfigSchema.parse(input);

  it('fills defaults and keeps Kiali’s shape', () => {
    expect(parse({})).toEqual({ rate: [] });
    expect(parse({ rate: [{ tolerance: [{ code: '5XX' }] }] })).toEqual({
      rate: [
        {
          namespace: '.*',
          kind: '.*',
          name: '.*',
          tolerance: [{ code: '5XX', degraded: 0, failure: 0, protocol: '.*', direction: '.*' }],
        },
      ],
    });
  });

  it('first matching rate wins over the defaults; failure 0 means never Failure', () => {
    const policy = compileHealthPolicy(
      parse({ rate: [{ namespace: 'batch', tolerance: [{ code: '5XX', degraded: 50, protocol: 'http' }] }] }),
    );
    const batch: HealthEntity = { namespace: 'batch', kind: 'workload', name: 'etl' };
    expect(nodeHealth(policy, batch, { inbound: http('503', 49, 100), outbound: none }).status).toBe(
      'Healthy',
    );
    expect(nodeHealth(policy, batch, { inbound: http('503', 100, 100), outbound: none }).status).toBe(
      'Degraded',
    );
    // other namespaces still get the defaults
    expect(nodeHealth(policy, svc, { inbound: http('503', 49, 100), outbound: none }).status).toBe('Failure');
  });

  it('rejects bad configuration naming the key', () => {
    const bad = healthConfigSchema.safeParse({
      rate: [{ tolerance: [{ code: '5XX', degraded: 30, failure: 20 }] }],
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['rate', 0, 'tolerance', 0, 'degraded']);
    const regex = healthConfigSchema.safeParse({ rate: [{ tolerance: [{ code: '5(' }] }] });
    expect(regex.error?.issues[0]).toMatchObject({
      path: ['rate', 0, 'tolerance', 0, 'code'],
      message: 'not a valid regular expression',
    });
    expect(healthConfigSchema.safeParse({ rate: [{ tolerance: [{ failure: 120 }] }] }).success).toBe(false);
    expect(healthConfigSchema.safeParse({ rate: [{ tolerance: [] }] }).success).toBe(false);
    expect(healthConfigSchema.safeParse({ rates: [] }).success).toBe(false);
  });

  it('turns Kiali patterns into anchored regular expressions', () => {
    expect(kialiPattern('5XX', true)).toBe('^5\\d\\d$');
    expect(kialiPattern('4xx', true)).toBe('^4\\d\\d$');
    expect(kialiPattern('^[1-9]$|^1[0-6]$', true)).toBe('^[1-9]$|^1[0-6]$');
    expect(kialiPattern('http|grpc', false)).toBe('^http|grpc$');
    expect(kialiPattern('', false)).toBe('^.*$');
  });
});

describe('rollup counts', () => {
  it('map error classes to representative codes that the default tolerances classify exactly', () => {
    const traffic = protocolTrafficFromCounts({
      protocol: 'http',
      requests: 1000,
      http4xx: 100,
      http5xx: 20,
      grpcErrors: 0,
      noResponse: 5,
    });
    expect(traffic).toEqual({ http: { '200': 875, '500': 20, '400': 100, '-': 5 } });
    expect(inbound(traffic)).toEqual({ status: 'Degraded', errorRatioPct: 10 });
  });

  it('map gRPC errors to a gRPC status', () => {
    const traffic = protocolTrafficFromCounts({
      protocol: 'grpc',
      requests: 100,
      http4xx: 0,
      http5xx: 0,
      grpcErrors: 10,
      noResponse: 0,
    });
    expect(traffic).toEqual({ grpc: { '0': 90, '2': 10, '-': 0 } });
    expect(inbound(traffic).status).toBe('Failure');
  });
});
