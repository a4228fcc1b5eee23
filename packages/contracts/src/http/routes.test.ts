import { insightsEndpoints } from './market-insights.endpoints';
import { insightsRoutes, MARKET_STATS_TABLES } from './market-insights';
import { onboardingEndpoints } from './merchant-onboarding.endpoints';
import { onboardingRoutes } from './merchant-onboarding';
import { paymentLedgerEndpoints } from './payment-ledger.endpoints';
import { paymentLedgerRoutes } from './payment-ledger';
import { qrGenerationEndpoints } from './qr-generation.endpoints';
import { qrGenerationRoutes } from './qr-generation';
import { fillPath, type Endpoint, type RouteSpec } from './route';
import { settlementEndpoints } from './settlement.endpoints';
import { settlementRoutes } from './settlement';

// Every service's specs, checked the same way: what each service's test/routes.test.ts then holds its answers to.
const services: [string, Record<string, RouteSpec>, Record<string, Endpoint>][] = [
  ['merchant-onboarding', onboardingRoutes, onboardingEndpoints],
  ['qr-generation', qrGenerationRoutes, qrGenerationEndpoints],
  ['payment-ledger', paymentLedgerRoutes, paymentLedgerEndpoints],
  ['settlement', settlementRoutes, settlementEndpoints],
  ['market-insights', insightsRoutes, insightsEndpoints],
];

describe.each(services)('%s', (_service, routes, endpoints) => {
  const specs = Object.values(routes);

  test('each route is named once, by its key, and is one method and path', () => {
    for (const [key, spec] of Object.entries(routes)) expect(spec.operationId).toBe(key);
    const paths = specs.map((s) => `${s.method} ${s.path}`);
    expect(new Set(paths).size).toBe(paths.length);
  });

  test('the browser endpoint table says what the specs say', () => {
    for (const [key, spec] of Object.entries(routes)) {
      expect(endpoints[key]).toEqual({ method: spec.method, path: spec.path });
    }
    expect(Object.keys(endpoints).sort()).toEqual(Object.keys(routes).sort());
  });

  test('every code a malformed request is answered with is among the route’s documented errors', () => {
    for (const spec of specs) {
      for (const part of Object.values(spec.invalid ?? {})) {
        const answers = [part, ...Object.values(part.fields ?? {}).flatMap((f) => [f, ...Object.values(f.when ?? {})])];
        for (const a of answers) {
          const status = a.status ?? part.status ?? 400;
          expect({
            route: spec.operationId,
            code: a.code,
            documented: spec.errors?.[status]?.includes(a.code),
          }).toEqual({ route: spec.operationId, code: a.code, documented: true });
        }
      }
    }
  });

  test('path parameters are the path’s, and every spec names a success answer', () => {
    for (const spec of specs) {
      const names = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
      const params = spec.request?.params as { shape?: Record<string, unknown> } | undefined;
      expect({ route: spec.operationId, params: Object.keys(params?.shape ?? {}) }).toEqual({
        route: spec.operationId,
        params: names,
      });
      expect(Object.keys(spec.responses).length).toBeGreaterThan(0);
    }
  });
});

test('fillPath encodes each parameter and refuses a missing one', () => {
  expect(fillPath('/qr/:qrId/cancel', { qrId: 'a/b c' })).toBe('/qr/a%2Fb%20c/cancel');
  expect(() => fillPath('/stalls/:merchantId/qr', {})).toThrow(/merchantId/);
});

test('an unknown statistics table is not found, whatever else the request says', () => {
  const params = insightsRoutes.marketStats.request.params;
  expect(params.safeParse({ marketId: 'm', table: 'stalls' }).success).toBe(true);
  expect(params.safeParse({ marketId: 'm', table: 'markets' }).success).toBe(false);
  expect(MARKET_STATS_TABLES).not.toContain('markets');
  expect(insightsRoutes.provinceStats.request.params.safeParse({ table: 'markets' }).success).toBe(true);
});
