import express from 'express';
import request from 'supertest';
import { z } from 'zod';
import { defineRoute, qrGenerationRoutes } from '@marketqr/contracts';
import { AppError } from './errors';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { createHttpApp } from './http';
import { buildOpenApi } from './openapi';
import { operationOf, parsePart, parseRequest, reply } from './routes';

const issue = qrGenerationRoutes.issueDynamicQr;

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('the input was accepted');
}

describe('parsePart: a request part checked against its spec', () => {
  test('a valid body comes back as parsed', () => {
    expect(parsePart(issue, 'body', { amount: 45_000, note: 'rau', ttlSeconds: null })).toEqual({
      amount: 45_000,
      note: 'rau',
      ttlSeconds: null,
    });
  });

  // The codes the dynamic QR route answered with before it had a spec: the spec's field codes must give the same.
  test.each([
    [{ amount: 0 }, 'QR.INVALID_AMOUNT'],
    [{ amount: -5_000 }, 'QR.INVALID_AMOUNT'],
    [{ amount: 10_000.5 }, 'QR.INVALID_AMOUNT'],
    [{ amount: '50000' }, 'QR.INVALID_AMOUNT'],
    [{ amount: Number.NaN }, 'QR.INVALID_AMOUNT'],
    [{ amount: Number.MAX_SAFE_INTEGER + 2 }, 'QR.INVALID_AMOUNT'],
    [{ amount: 1e20 }, 'QR.INVALID_AMOUNT'],
    [{ amount: -1e20 }, 'QR.INVALID_AMOUNT'],
    [{ amount: 500_000_000.5 }, 'QR.INVALID_AMOUNT'],
    [{ note: 'no amount' }, 'QR.INVALID_AMOUNT'],
    [{ amount: 500_000_000 }, 'QR.AMOUNT_TOO_LARGE'],
    [{ amount: 1e12 }, 'QR.AMOUNT_TOO_LARGE'],
    [{ amount: 5_000, ttlSeconds: 30.5 }, 'QR.TTL_OUT_OF_RANGE'],
    [{ amount: 5_000, ttlSeconds: '60' }, 'QR.TTL_OUT_OF_RANGE'],
    [{ amount: 5_000, note: 42 }, 'QR.INVALID_NOTE'],
    [{ amount: 5_000, ttl: 60 }, 'QR.INVALID_REQUEST'],
    [{ ttl: 60 }, 'QR.INVALID_REQUEST'],
    [{ amount: 0, ttlSeconds: 'x', note: 1 }, 'QR.INVALID_AMOUNT'],
    [[{ amount: 5_000 }], 'QR.INVALID_REQUEST'],
    [null, 'QR.INVALID_REQUEST'],
    [undefined, 'QR.INVALID_REQUEST'],
    ['50000', 'QR.INVALID_REQUEST'],
  ])('%j → 400 %s', (body, code) => {
    const e = refusal(() => parsePart(issue, 'body', body));
    expect([e.status, e.code]).toEqual([400, code]);
  });

  test('details name the field, the unknown fields, the limit, and list the issues behind the code', () => {
    expect(refusal(() => parsePart(issue, 'body', { amount: 5_000, ttl: 60, x: 1 })).details).toMatchObject({
      unknown: ['ttl', 'x'],
    });
    const tooLarge = refusal(() => parsePart(issue, 'body', { amount: 500_000_000 }));
    expect(tooLarge.details).toMatchObject({ field: 'amount', max: 499_999_999, issues: [{ path: 'amount' }] });
    expect(tooLarge.message).toMatch(/500,000,000/);
  });

  test('a part has its own code and status; a part without a schema is not read', () => {
    expect(refusal(() => parsePart(issue, 'query', { image: 'png' })).code).toBe('QR.INVALID_IMAGE_OPTION');
    expect(parsePart(issue, 'query', { image: 'svg', access_token: 't' })).toEqual({ image: 'svg' });
    const report = refusal(() => parsePart(qrGenerationRoutes.reportCheck, 'params', { checkId: 'a b' }));
    expect([report.status, report.code]).toEqual([404, 'QR.CHECK_NOT_FOUND']);
    expect(parsePart(qrGenerationRoutes.cancelQr, 'body', { anything: 1 })).toBeUndefined();
  });

  test('a list: a bad page is HTTP.INVALID_PAGE before a bad filter; defaults and numbers are filled in', () => {
    const list = qrGenerationRoutes.listStallQrs;
    expect(refusal(() => parsePart(list, 'query', { kind: 'x', page: '0' })).code).toBe('HTTP.INVALID_PAGE');
    expect(refusal(() => parsePart(list, 'query', { kind: 'x' })).code).toBe('QR.INVALID_QUERY');
    expect(parsePart(list, 'query', { pageSize: '5' })).toEqual({ page: 1, pageSize: 5 });
  });

  test('an unusable market on the genuine check is ignored, not refused', () => {
    expect(parsePart(qrGenerationRoutes.verifyQr, 'query', { marketId: 'a b' })).toEqual({});
  });

  test('in a handler: a refused request reaches nothing behind the parse, and answers the spec code', async () => {
    const spec = defineRoute({
      operationId: 'addThing',
      method: 'post',
      path: '/things/:id',
      summary: 'test',
      tags: [],
      auth: false,
      request: { params: z.object({ id: z.string() }), body: z.strictObject({ n: z.int().min(1) }) },
      invalid: {
        body: { code: 'T.BAD_N', fields: { n: { code: 'T.BAD_N', when: { too_small: { code: 'T.SMALL' } } } } },
      },
      responses: { 201: { description: 'the thing', schema: z.object({ id: z.string(), n: z.int() }) } },
    });
    const work = jest.fn();
    const { app, finish } = createHttpApp({
      service: 'test',
      version: '0',
      logger: createLogger('test', 'silent'),
      metrics: createMetrics('routes_test'),
      readiness: () => [],
      started: () => true,
      routes: [spec],
    });
    app.post(spec.path, (req, res) => {
      const { params, body } = parseRequest(spec, req);
      work();
      reply(res, spec, 201, { id: params.id, n: body.n });
    });
    finish(app as express.Express);
    const small = await request(app).post('/things/a').send({ n: 0 });
    expect([small.status, small.body.error.code]).toEqual([400, 'T.SMALL']);
    const wrong = await request(app).post('/things/a').send({ n: 'x' });
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'T.BAD_N']);
    const extra = await request(app).post('/things/a').send({ n: 1, m: 2 });
    expect([extra.status, extra.body.error.code, extra.body.error.details.unknown]).toEqual([400, 'T.BAD_N', ['m']]);
    expect(work).not.toHaveBeenCalled();
    const ok = await request(app).post('/things/a').send({ n: 2 });
    expect([ok.status, ok.body]).toEqual([201, { id: 'a', n: 2 }]);
    expect(work).toHaveBeenCalledTimes(1);
    const doc = (await request(app).get('/openapi.json')).body;
    expect(doc.paths['/things/{id}'].post.requestBody.content['application/json'].schema.properties.n).toMatchObject({
      type: 'integer',
      minimum: 1,
    });
  });
});

describe('operationOf: the OpenAPI operation derived from a spec', () => {
  const op = operationOf(issue) as {
    operationId: string;
    requestBody: { required: boolean; content: Record<string, { schema: Record<string, unknown> }> };
    responses: Record<
      string,
      { content?: Record<string, { schema: Record<string, unknown> }>; 'x-error-codes'?: string[] }
    >;
  };

  test('the request body as callers send it: amount an integer 1 … 499,999,999, no other fields', () => {
    const schema = op.requestBody.content['application/json']!.schema;
    expect(op.requestBody.required).toBe(true);
    expect(schema).not.toHaveProperty('$schema');
    expect(schema).toMatchObject({
      type: 'object',
      required: ['amount'],
      additionalProperties: false,
      properties: { amount: { type: 'integer', minimum: 1, maximum: 499_999_999 } },
    });
  });

  test('the 201 answer: qr.payload a string; errors as codes by status', () => {
    const schema = op.responses['201']!.content!['application/json']!.schema as {
      properties: { qr: { properties: Record<string, unknown>; required: string[] } };
    };
    expect(schema.properties.qr.properties.payload).toMatchObject({ type: 'string' });
    expect(schema.properties.qr.required).toContain('payload');
    expect(op.responses['409']!['x-error-codes']).toEqual(['QR.STALL_NOT_ACTIVE', 'QR.NO_VIRTUAL_ACCOUNT']);
    expect(op.responses.default).toBeDefined();
  });

  test('buildOpenApi takes specs and prose RouteDocs side by side', () => {
    const doc = buildOpenApi({ title: 't', version: '1' }, [
      issue,
      { method: 'get', path: '/legacy/:id', summary: 'prose', responses: { '200': { description: 'ok' } } },
    ]) as { paths: Record<string, Record<string, { operationId?: string; summary: string }>> };
    expect(doc.paths['/stalls/{merchantId}/qr/dynamic']!.post!.operationId).toBe('issueDynamicQr');
    expect(doc.paths['/legacy/{id}']!.get!.summary).toBe('prose');
    expect(doc.paths['/healthz']).toBeDefined();
  });
});
