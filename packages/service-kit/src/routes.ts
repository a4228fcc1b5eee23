import type { Response } from 'express';
import { z } from 'zod';
import type { InvalidAnswer, ParsedPart, PartInvalid, ReplyBody, RouteSpec } from '@marketqr/contracts';
import { AppError } from './errors';

/*
 * The server's half of "routes as data" (the specs themselves and their type live in @marketqr/contracts, where the
 * web app can import them too): a request checked against its route's spec, and the route's OpenAPI operation.
 */

export type RequestPart = 'params' | 'query' | 'body';

const DEFAULT_INVALID: Record<RequestPart, Required<Pick<InvalidAnswer, 'code' | 'message'>>> = {
  params: { code: 'HTTP.INVALID_PARAMS', message: 'the path is invalid' },
  query: { code: 'HTTP.INVALID_QUERY', message: 'the query is invalid' },
  body: { code: 'HTTP.INVALID_REQUEST', message: 'request body is invalid' },
};

type Issue = z.core.$ZodIssue;

/**
 * The kind a spec's `when` names. zod reports an integer beyond 2^53 as too big (or too small), but such a number is
 * not the integer the caller wrote: it is answered like a wrong type, not like a large amount.
 */
function kindOf(issue: Issue): string {
  if (issue.code === 'too_big' && issue.maximum === Number.MAX_SAFE_INTEGER) return 'invalid_type';
  if (issue.code === 'too_small' && issue.minimum === Number.MIN_SAFE_INTEGER) return 'invalid_type';
  return issue.code;
}

function answerOf(part: RequestPart, invalid: PartInvalid | undefined, issue: Issue) {
  const base = { ...DEFAULT_INVALID[part], ...invalid };
  const field = issue.path.length > 0 ? String(issue.path[0]) : undefined;
  const rule = field === undefined ? undefined : invalid?.fields?.[field];
  if (!rule) return { answer: base as InvalidAnswer, field: undefined };
  return { answer: { ...base, ...rule, ...rule.when?.[kindOf(issue)] } as InvalidAnswer, field };
}

/**
 * The error a part that does not match its schema is answered with. One issue decides, as a caller fixes one thing
 * at a time: one about the whole part (not an object, unknown fields) before any about a field, then zod's order
 * (the schema's field order). Every issue that leads to the same code is listed in `details.issues`.
 */
export function invalidRequest(spec: RouteSpec, part: RequestPart, issues: readonly Issue[]): AppError {
  const invalid = spec.invalid?.[part];
  const first = issues.find((i) => i.path.length === 0) ?? issues[0]!;
  const { answer, field } = answerOf(part, invalid, first);
  const same = issues.filter((i) => answerOf(part, invalid, i).answer.code === answer.code);
  const unknown = first.code === 'unrecognized_keys' ? first.keys : undefined;
  const message = unknown && !field ? `unknown field(s): ${unknown.join(', ')}` : answer.message;
  return new AppError(answer.code, message ?? DEFAULT_INVALID[part].message, answer.status ?? 400, {
    ...(field !== undefined ? { field } : {}),
    ...(unknown ? { unknown } : {}),
    ...answer.details,
    issues: same.map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
}

/**
 * One part of a request (`req.params`, `req.query`, `req.body`) checked against the route's spec: the parsed value
 * (defaults filled, numbers coerced), or an AppError with the code the spec names. Parts are parsed one at a time so
 * a handler keeps its order of checks (who may ask before what was asked: a vendor naming another stall learns it is
 * forbidden, not that its body is malformed).
 */
export function parsePart<S extends RouteSpec, P extends RequestPart>(
  spec: S,
  part: P,
  value: unknown,
): ParsedPart<S, P> {
  const schema = spec.request?.[part];
  if (!schema) return undefined as ParsedPart<S, P>;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw invalidRequest(spec, part, parsed.error.issues);
  return parsed.data as ParsedPart<S, P>;
}

/** Every part of a request, in the order path, query, body: for handlers with no check to make in between. */
export function parseRequest<S extends RouteSpec>(spec: S, req: { params: unknown; query: unknown; body?: unknown }) {
  return {
    params: parsePart(spec, 'params', req.params),
    query: parsePart(spec, 'query', req.query),
    body: parsePart(spec, 'body', req.body),
  };
}

/**
 * Sends a success answer. Its only work is for the compiler: the body must be what the spec's schema for that status
 * describes, so a handler cannot drift from its documented answer. Answers are not parsed again at run time (the
 * cost would fall on every request); the service's tests check real answers against the schemas.
 */
export function reply<S extends RouteSpec, C extends Extract<keyof S['responses'], number>>(
  res: Response,
  spec: S,
  status: C,
  body: ReplyBody<S, C>,
): void {
  res.status(status).json(body);
}

type JsonSchema = Record<string, unknown>;

/** JSON Schema 2020-12 (what OpenAPI 3.1 embeds) of a zod schema: as callers send it, or as the service answers. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const errorResponse = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

function parametersOf(spec: RouteSpec): JsonSchema[] {
  const out: JsonSchema[] = [];
  const names = [...spec.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => m[1]!);
  const params = spec.request?.params ? jsonSchemaOf(spec.request.params, 'input') : undefined;
  const pathProps = (params?.properties ?? {}) as Record<string, JsonSchema>;
  for (const name of names) {
    out.push({ name, in: 'path', required: true, schema: pathProps[name] ?? { type: 'string' } });
  }
  if (spec.request?.query) {
    const query = jsonSchemaOf(spec.request.query, 'input');
    const required = new Set((query.required as string[] | undefined) ?? []);
    for (const [name, schema] of Object.entries((query.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...rest } = schema;
      out.push({
        name,
        in: 'query',
        required: required.has(name),
        ...(description ? { description } : {}),
        schema: rest,
      });
    }
  }
  return out;
}

/** The OpenAPI 3.1 operation of a route, derived from its spec. */
export function operationOf(spec: RouteSpec): JsonSchema {
  const parameters = parametersOf(spec);
  const body = spec.request?.body;
  const others = spec.request?.otherBodies ?? {};
  const content: Record<string, { schema: JsonSchema }> = {};
  if (body) content['application/json'] = { schema: jsonSchemaOf(body, 'input') };
  for (const [type, schema] of Object.entries(others)) content[type] = { schema };

  const responses: Record<string, unknown> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    const media = r.schema
      ? { 'application/json': { schema: jsonSchemaOf(r.schema, 'output') } }
      : r.contentType
        ? { [r.contentType]: { schema: { type: 'string', format: 'binary' } } }
        : undefined;
    const alternatives = Object.entries(r.alternatives ?? {}).map(([type, description]) => [
      type,
      { schema: { type: 'string', ...(type.startsWith('text/') ? {} : { format: 'binary' }), description } },
    ]);
    const answers = { ...media, ...Object.fromEntries(alternatives) };
    responses[status] = { description: r.description, ...(Object.keys(answers).length ? { content: answers } : {}) };
  }
  for (const [status, codes] of Object.entries(spec.errors ?? {})) {
    responses[status] = { description: codes.join(', '), 'x-error-codes': [...codes], ...errorResponse };
  }
  responses.default = { description: 'Error', ...errorResponse };

  return {
    operationId: spec.operationId,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [...spec.tags],
    ...(spec.auth ? { security: [{ bearer: [] }] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(Object.keys(content).length
      ? { requestBody: { required: !!body && !spec.request?.otherBodies, content } }
      : {}),
    responses,
  };
}

export function isRouteSpec(r: object): r is RouteSpec {
  return 'operationId' in r;
}
