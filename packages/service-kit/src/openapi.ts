import type { RouteSpec } from '@marketqr/contracts';
import { isRouteSpec, operationOf } from './routes';

/**
 * A small OpenAPI 3.1 document builder. Each service lists its routes next to where it mounts them; the operational
 * routes every service has are added here, so `/openapi.json` is always complete. A route comes as a `RouteSpec`
 * (routes as data: schemas included, see routes.ts) or, in services not converted yet, as a `RouteDoc` (prose).
 */
export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path (`/stalls/:id`); converted to OpenAPI's `{id}`. */
  path: string;
  summary: string;
  tags?: string[];
  /** Whether a bearer JWT is required. */
  auth?: boolean;
  requestBody?: Record<string, unknown>;
  responses?: Record<string, { description: string; content?: Record<string, unknown> }>;
}

/** A route as buildOpenApi takes it: a spec (routes as data) or, until its service is converted, prose. */
export type ApiRoute = RouteDoc | RouteSpec;

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

export const operationalRoutes: RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'Liveness: the process answers', tags: ['ops'] },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: Kafka and the database answer now',
    tags: ['ops'],
    responses: { '200': { description: 'ready' }, '503': { description: 'a dependency is down' } },
  },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics', tags: ['ops'] },
  { method: 'get', path: '/openapi.json', summary: 'This document', tags: ['ops'] },
];

export function buildOpenApi(
  info: { title: string; version: string; description?: string },
  routes: readonly ApiRoute[],
) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of [...operationalRoutes, ...routes]) {
    if (isRouteSpec(r)) {
      (paths[r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')] ??= {})[r.method] = operationOf(r);
      continue;
    }
    const params = [...r.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
    const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: r.tags,
      ...(r.auth ? { security: [{ bearer: [] }] } : {}),
      ...(params.length
        ? { parameters: params.map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' } })) }
        : {}),
      ...(r.requestBody ? { requestBody: r.requestBody } : {}),
      responses: {
        ...(r.responses ?? { '200': { description: 'OK' } }),
        default: {
          description: 'Error',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info,
    paths,
    components: {
      schemas: { Error: errorSchema },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}
