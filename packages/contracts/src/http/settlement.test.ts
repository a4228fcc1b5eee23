import { settlementEndpoints } from './settlement.endpoints';
import { settlementRoutes } from './settlement';
import type { RouteSpec } from './route';

const specs: RouteSpec[] = Object.values(settlementRoutes);

test('each route is named once, by its key, and is one method and path', () => {
  for (const [key, spec] of Object.entries(settlementRoutes)) expect(spec.operationId).toBe(key);
  const routes = specs.map((s) => `${s.method} ${s.path}`);
  expect(new Set(routes).size).toBe(routes.length);
});

test('the browser endpoint table says what the specs say', () => {
  for (const [key, spec] of Object.entries(settlementRoutes)) {
    expect(settlementEndpoints[key as keyof typeof settlementEndpoints]).toEqual({
      method: spec.method,
      path: spec.path,
    });
  }
  expect(Object.keys(settlementEndpoints).sort()).toEqual(Object.keys(settlementRoutes).sort());
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
