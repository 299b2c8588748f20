import { describe, expect, it } from 'vitest';
import {
  jaegerDependencyLinkSchema,
  jaegerEnvelopeSchema,
  jaegerMetricFamilySchema,
  jaegerOperationSchema,
  jaegerTraceSchema,
} from '../../src/jaeger/model.js';

describe('Jaeger JSON model', () => {
  it("accepts the SPM example from Jaeger's documentation, and NaN as protobuf JSON writes it", () => {
    const body = {
      name: 'service_call_rate',
      type: 'GAUGE',
      help: 'calls/sec, grouped by service',
      metrics: [
        {
          labels: [
            { name: 'operation', value: '/FindNearest' },
            { name: 'service_name', value: 'driver' },
          ],
          metricPoints: [
            { gaugeValue: { doubleValue: 0.005846808321083344 }, timestamp: '2021-06-03T09:12:06Z' },
            { gaugeValue: { doubleValue: 'NaN' }, timestamp: '2021-06-03T09:12:11Z' },
          ],
        },
      ],
    };
    expect(jaegerMetricFamilySchema.parse(body)).toEqual(body);
    // misspelt fields are caught, so a typo cannot ship
    expect(jaegerMetricFamilySchema.safeParse({ ...body, metric_points: [] }).success).toBe(false);
    expect(
      jaegerMetricFamilySchema.safeParse({
        ...body,
        metrics: [{ labels: [], metricPoints: [{ gaugeValue: { value: 1 }, timestamp: 'x' }] }],
      }).success,
    ).toBe(false);
  });

  it('accepts the dependencies and operations envelopes as Jaeger sends them', () => {
    const dependencies = {
      data: [{ parent: 'frontend', child: 'cart', callCount: 42 }],
      total: 0,
      limit: 0,
      offset: 0,
      errors: null,
    };
    expect(jaegerEnvelopeSchema(jaegerDependencyLinkSchema.array()).parse(dependencies)).toEqual(
      dependencies,
    );
    const operations = {
      data: [{ name: 'GET /cart', spanKind: 'server' }],
      total: 1,
      limit: 0,
      offset: 0,
      errors: null,
    };
    expect(jaegerEnvelopeSchema(jaegerOperationSchema.array()).parse(operations)).toEqual(operations);
    expect(jaegerDependencyLinkSchema.safeParse({ parent: 'a', child: 'b', callCount: -1 }).success).toBe(
      false,
    );
  });

  it("accepts Jaeger's own UI fixture trace (internal/uimodel/converter/v1/json/fixtures/ui_01.json, trimmed)", () => {
    const trace = {
      traceID: '00000000000000000000000000000001',
      spans: [
        {
          traceID: '00000000000000000000000000000001',
          spanID: '0000000000000002',
          operationName: 'some-operation',
          references: [],
          startTime: 1485467191639875,
          duration: 5,
          tags: [
            { key: 'peer.service', type: 'string', value: 'service-y' },
            { key: 'peer.ipv4', type: 'int64', value: 23456 },
            { key: 'error', type: 'bool', value: true },
            { key: 'temperature', type: 'float64', value: 72.5 },
            { key: 'javascript_limit', type: 'int64', value: '9223372036854775222' },
            { key: 'blob', type: 'binary', value: 'AAAwOQ==' },
          ],
          logs: [
            { timestamp: 1485467191639875, fields: [{ key: 'event', type: 'string', value: 'some-event' }] },
          ],
          processID: 'p1',
          warnings: null,
        },
      ],
      processes: { p1: { serviceName: 'service-x', tags: [] } },
      warnings: ['some trace warning'],
    };
    expect(jaegerTraceSchema.parse(trace)).toEqual(trace);
    // an int64 tag must be an integer or integer text
    const badTag = {
      ...trace,
      spans: [{ ...trace.spans[0], tags: [{ key: 'x', type: 'int64', value: 1.5 }] }],
    };
    expect(jaegerTraceSchema.safeParse(badTag).success).toBe(false);
  });
});
