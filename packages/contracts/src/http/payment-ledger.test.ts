import { paymentLedgerEndpoints } from './payment-ledger.endpoints';
import { paymentLedgerRoutes } from './payment-ledger';
import type { RouteSpec } from './route';

const specs: RouteSpec[] = Object.values(paymentLedgerRoutes);

test('each route is named once, by its key, and is one method and path', () => {
  for (const [key, spec] of Object.entries(paymentLedgerRoutes)) expect(spec.operationId).toBe(key);
  const routes = specs.map((s) => `${s.method} ${s.path}`);
  expect(new Set(routes).size).toBe(routes.length);
});

test('the browser endpoint table says what the specs say', () => {
  for (const [key, spec] of Object.entries(paymentLedgerRoutes)) {
    expect(paymentLedgerEndpoints[key as keyof typeof paymentLedgerEndpoints]).toEqual({
      method: spec.method,
      path: spec.path,
    });
  }
  expect(Object.keys(paymentLedgerEndpoints).sort()).toEqual(Object.keys(paymentLedgerRoutes).sort());
});

test('every code a malformed request is answered with is among the route’s documented errors', () => {
  for (const spec of specs) {
    for (const part of Object.values(spec.invalid ?? {})) {
      const answers = [part, ...Object.values(part.fields ?? {}).flatMap((f) => [f, ...Object.values(f.when ?? {})])];
      for (const a of answers) {
        const status = a.status ?? part.status ?? 400;
        expect({ route: spec.operationId, code: a.code, documented: spec.errors?.[status]?.includes(a.code) }).toEqual({
          route: spec.operationId,
          code: a.code,
          documented: true,
        });
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
