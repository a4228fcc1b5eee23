import type { z } from 'zod';

/*
 * A route of a service's HTTP API, described once: what it reads (zod schemas of path parameters, query and JSON body),
 * what it answers on success (zod schemas), and which error codes it answers with. The service derives its OpenAPI
 * document and its request validation from it (@marketqr/service-kit's routes.ts); the web app derives a typed call.
 *
 * This file holds types and two tiny functions and imports zod for its types only, so the browser bundle, which
 * imports it for `fillPath`, carries no zod.
 */

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** How one rule's failure is answered. `message` and `details` are what the caller reads next to the code. */
export interface InvalidAnswer {
  code: string;
  /** 400 unless said (a malformed id in the path can be a 404: nothing is called that). */
  status?: number;
  message?: string;
  details?: Record<string, unknown>;
}

/**
 * How an issue zod reports is named: zod's own issue code (`invalid_type`, `too_big`, `too_small`,
 * `unrecognized_keys` …), except that an integer outside the safe range is `invalid_type` (it is not a number this
 * API can hold exactly, rather than a large one).
 */
export type IssueKind = string;

/** The answer for a top-level field of a part, optionally refined by the kind of issue (`too_big` → another code). */
export interface FieldAnswer extends InvalidAnswer {
  when?: Partial<Record<IssueKind, InvalidAnswer>>;
}

/** A part's answer when it does not match its schema; fields with codes of their own are named. */
export interface PartInvalid extends InvalidAnswer {
  fields?: Record<string, FieldAnswer>;
}

export interface ResponseSpec {
  description: string;
  /** The JSON answer. Absent for a body that is not JSON (an image, a PDF): then `contentType` names it. */
  schema?: z.ZodType;
  /** Media type of a non-JSON answer (`image/png`); JSON when absent. */
  contentType?: string;
  /**
   * Other media types the same status may answer with, chosen by the caller (`?format=csv`, Accept): media type →
   * what it holds. Documented, not typed: a client asking for one reads the body as it comes.
   */
  alternatives?: Record<string, string>;
}

export interface RouteSpec {
  /** Unique in the service: the OpenAPI operationId and the key the web app's client knows the route by. */
  operationId: string;
  method: HttpMethod;
  /** Express-style path (`/stalls/:merchantId/qr`); OpenAPI's `{merchantId}` is derived. */
  path: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** Whether a bearer JWT is required. */
  auth: boolean;
  request?: {
    params?: z.ZodType;
    query?: z.ZodType;
    /** The JSON body. */
    body?: z.ZodType;
    /** Bodies of other media types the route also reads (image uploads), as JSON schema: documented, not parsed. */
    otherBodies?: Record<string, Record<string, unknown>>;
  };
  /** What a request part that does not match is answered with; absent parts answer `HTTP.INVALID_<PART>` (400). */
  invalid?: { params?: PartInvalid; query?: PartInvalid; body?: PartInvalid };
  /** Success answers by status. */
  responses: Record<number, ResponseSpec>;
  /** Error codes by status, beyond the ones every route may answer (401, 403 for authenticated routes, 503). */
  errors?: Record<number, readonly string[]>;
}

/** Identity, there so a spec keeps its literal types (method, path, the exact schemas) for inference. */
export function defineRoute<const S extends RouteSpec>(spec: S): S {
  return spec;
}

type SchemaAt<S extends RouteSpec, P extends 'params' | 'query' | 'body'> =
  NonNullable<S['request']> extends infer R
    ? R extends Record<P, infer T>
      ? T extends z.ZodType
        ? T
        : never
      : never
    : never;

/** What a part is after parsing (defaults filled, strings coerced): what the handler gets. */
export type ParsedPart<S extends RouteSpec, P extends 'params' | 'query' | 'body'> = [SchemaAt<S, P>] extends [never]
  ? undefined
  : z.output<SchemaAt<S, P>>;

/** What a caller may send in a part. */
export type PartInput<S extends RouteSpec, P extends 'params' | 'query' | 'body'> = [SchemaAt<S, P>] extends [never]
  ? undefined
  : z.input<SchemaAt<S, P>>;

type SuccessStatus<S extends RouteSpec> = Extract<keyof S['responses'], number>;

/** The JSON a handler sends with `status`, as the spec's schema accepts it (before any transform). */
export type ReplyBody<S extends RouteSpec, C extends SuccessStatus<S>> = S['responses'][C] extends {
  schema: infer T extends z.ZodType;
}
  ? z.input<T>
  : never;

/** What a caller receives on success: the union of the success answers' JSON. */
export type ResponseOf<S extends RouteSpec> = {
  [C in SuccessStatus<S>]: S['responses'][C] extends { schema: infer T extends z.ZodType } ? z.output<T> : never;
}[SuccessStatus<S>];

/** A path with its `:parameters` filled in (each encoded). */
export function fillPath(path: string, params: Record<string, string>): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new Error(`path parameter ${name} of ${path} is missing`);
    return encodeURIComponent(v);
  });
}

/**
 * A route as the browser calls it: method and path at run time, the spec's types alongside. `__spec` exists only
 * for the compiler; it lets a client infer what a call takes and answers without the schemas themselves.
 */
export interface Endpoint<S extends RouteSpec = RouteSpec> {
  readonly method: S['method'];
  readonly path: S['path'];
  readonly __spec?: S;
}

/**
 * Builds a service's endpoint table for the browser from method and path only. Typed against the specs (imported as
 * a type), so a path here that differs from the spec's does not compile; the specs stay out of the bundle.
 */
export function endpointsFor<R extends Record<string, RouteSpec>>() {
  return <const T extends { [K in keyof R]: { method: R[K]['method']; path: R[K]['path'] } }>(
    table: T,
  ): { readonly [K in keyof R]: Endpoint<R[K]> } => table as unknown as { readonly [K in keyof R]: Endpoint<R[K]> };
}

/**
 * An answer as the spec says it looks for its status: parsed by that status's schema (defaults filled), or an error
 * with zod's issues when it does not match, or when the spec has no JSON answer for the status. Each service's
 * test/routes.test.ts holds real answers to their specs with it. The schema's own `parse` is called, so this file
 * still needs no zod at run time.
 */
export function conforms<S extends RouteSpec>(spec: S, r: { status: number; body: unknown }): ResponseOf<S> {
  const schema = (spec as RouteSpec).responses[r.status]?.schema;
  if (!schema)
    throw new Error(`${spec.operationId}: no JSON answer ${r.status} in the spec (${JSON.stringify(r.body)})`);
  return schema.parse(r.body) as ResponseOf<S>;
}
