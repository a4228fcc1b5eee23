import express from 'express';
import request from 'supertest';
import { AppError, DomainError, HTTP_STATUS_OF, type DomainErrorKind } from './errors';
import { createHttpApp } from './http';
import { createLogger } from './logger';
import { createMetrics } from './metrics';

/** Shaped like the MongoDB driver's: MongoNetworkError → MongoPoolClearedError → PoolClearedOnNetworkError. */
class MongoNetworkError extends Error {
  override get name() {
    return 'MongoNetworkError';
  }
}
class MongoPoolClearedError extends MongoNetworkError {
  override get name() {
    return 'MongoPoolClearedError';
  }
}
class PoolClearedOnNetworkError extends MongoPoolClearedError {
  override get name() {
    return 'PoolClearedOnNetworkError';
  }
}

function app(opts: { ready?: boolean; started?: boolean } = {}) {
  const { app: a, finish } = createHttpApp({
    service: 'test-svc',
    version: '1.0.0',
    logger: createLogger('test-svc', 'silent'),
    metrics: createMetrics('test-svc'),
    started: () => opts.started ?? true,
    readiness: () => [
      {
        name: 'db',
        check: async () => {
          if (opts.ready === false) throw new Error('connection refused');
        },
      },
    ],
    routes: [{ method: 'post', path: '/things/:id', summary: 'Make a thing' }],
    bodyLimit: '1kb',
    bodyReaders: [{ path: '/hooks', handler: express.raw({ type: () => true, limit: '4kb' }) }],
  });
  a.post('/hooks/signed', (req, res) => {
    res.json({ raw: Buffer.isBuffer(req.body), bytes: (req.body as Buffer).toString('utf8') });
  });
  a.post('/things/:id', (req, res) => {
    if (req.body.amount === 0)
      throw new AppError('THING.INVALID_AMOUNT', 'amount must be positive', 400, { field: 'amount' });
    res.status(201).json({ id: req.params.id, ...req.body });
  });
  a.get('/domain/:kind', (req) => {
    // What domain code throws: a code and a kind, no status.
    throw new DomainError('THING.REFUSED', 'refused', req.params.kind as DomainErrorKind, { why: 'test' });
  });
  a.get('/boom', () => {
    throw new Error('secret internal detail');
  });
  a.get('/db-down', () => {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:27017'), { name: 'MongoServerSelectionError' });
  });
  a.get('/bulk-interrupted', () => {
    // The driver's MongoBulkWriteError keeps the network error that interrupted an insertMany as `errorResponse`.
    throw Object.assign(new Error('Connection to 127.0.0.1:27017 interrupted due to server monitor timeout'), {
      name: 'MongoBulkWriteError',
      writeErrors: [],
      errorResponse: new PoolClearedOnNetworkError(),
    });
  });
  a.get('/pool-cleared', () => {
    // The real driver classes: a pool cleared because its monitor timed out (a starved machine) is a network error.
    throw new PoolClearedOnNetworkError();
  });
  finish(a);
  return a;
}

test('domain errors become {error: {code, message, details}} with their status', async () => {
  const r = await request(app()).post('/things/1').send({ amount: 0 });
  expect(r.status).toBe(400);
  expect(r.body).toEqual({
    error: { code: 'THING.INVALID_AMOUNT', message: 'amount must be positive', details: { field: 'amount' } },
  });
});

test.each(Object.entries(HTTP_STATUS_OF))('a domain error of kind %s answers %i', async (kind, status) => {
  const r = await request(app()).get(`/domain/${kind}`);
  expect(r.status).toBe(status);
  expect(r.body.error).toMatchObject({ code: 'THING.REFUSED', details: { why: 'test' } });
});

test('an AppError keeps its status and gets the kind that status means', () => {
  expect(new AppError('X.Y', 'conflict', 409).kind).toBe('conflict');
  expect(new AppError('X.Y', 'locked out', 429)).toMatchObject({ kind: 'invalid', status: 429 });
  expect(new AppError('X.Y', 'gateway', 502)).toMatchObject({ kind: 'internal', status: 502 });
  expect(new AppError('X.Y', 'down', 503).kind).toBe('unavailable');
  expect(new AppError('X.Y', 'bad')).toBeInstanceOf(DomainError);
});

test('malformed JSON, oversized bodies and unknown routes get stable codes', async () => {
  const malformed = await request(app()).post('/things/1').set('content-type', 'application/json').send('{"amount": ');
  expect(malformed.status).toBe(400);
  expect(malformed.body.error.code).toBe('HTTP.MALFORMED_JSON');
  const big = await request(app())
    .post('/things/1')
    .send({ note: 'x'.repeat(5_000) });
  expect(big.status).toBe(413);
  expect(big.body.error.code).toBe('HTTP.BODY_TOO_LARGE');
  const missing = await request(app()).get('/nope');
  expect(missing.status).toBe(404);
  expect(missing.body.error.code).toBe('HTTP.NOT_FOUND');
});

test('unexpected errors are 500 INTERNAL without leaking their message', async () => {
  const r = await request(app()).get('/boom');
  expect(r.status).toBe(500);
  expect(r.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
});

test('a database or broker that is down answers 503 SERVICE.UNAVAILABLE with Retry-After, not 500', async () => {
  const r = await request(app()).get('/db-down');
  expect(r.status).toBe(503);
  expect(r.headers['retry-after']).toBe('5');
  expect(r.body).toEqual({ error: { code: 'SERVICE.UNAVAILABLE', message: expect.any(String) } });
});

test('a subclass of the driver’s network error (the pool cleared under load) is a 503 too, not a 500', async () => {
  const r = await request(app()).get('/pool-cleared');
  expect([r.status, r.body.error.code, r.headers['retry-after']]).toEqual([503, 'SERVICE.UNAVAILABLE', '5']);
});

test('a bulk write interrupted by a network error is a 503 too; one refused for its data stays a 500', async () => {
  const r = await request(app()).get('/bulk-interrupted');
  expect([r.status, r.body.error.code, r.headers['retry-after']]).toEqual([503, 'SERVICE.UNAVAILABLE', '5']);
  expect((await request(app()).get('/boom')).status).toBe(500);
});

test('/readyz reports each check, 503 when one fails or while starting', async () => {
  expect((await request(app()).get('/readyz')).status).toBe(200);
  const down = await request(app({ ready: false })).get('/readyz');
  expect(down.status).toBe(503);
  expect(down.body.checks.db).toMatchObject({ ok: false, error: 'connection refused' });
  const starting = await request(app({ started: false })).get('/readyz');
  expect(starting.status).toBe(503);
  expect(starting.body.reason).toBe('starting');
});

test('/openapi.json lists the service routes and the operational ones; /metrics counts requests', async () => {
  const a = app();
  const doc = (await request(a).get('/openapi.json')).body;
  expect(doc.paths['/things/{id}'].post.parameters[0]).toMatchObject({ name: 'id', in: 'path' });
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/metrics', '/openapi.json']));
  await request(a).post('/things/7').send({ amount: 5 });
  const metrics = (await request(a).get('/metrics')).text;
  expect(metrics).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/things\/:id"[^}]*status="201"/);
});

test('a body reader sees the bytes as sent, before the JSON parser; other routes still get parsed JSON', async () => {
  const body = '{ "amount" :  5,"b":1 }';
  const hook = await request(app()).post('/hooks/signed').set('content-type', 'application/json').send(body);
  expect(hook.status).toBe(200);
  expect(hook.body).toEqual({ raw: true, bytes: body });
  // Its own limit applies there (4 kB), not the app's JSON limit (1 kB).
  const big = `{"x":"${'a'.repeat(2_000)}"}`;
  expect((await request(app()).post('/hooks/signed').set('content-type', 'application/json').send(big)).status).toBe(
    200,
  );
  const parsed = await request(app()).post('/things/7').send({ amount: 5 });
  expect(parsed.body).toEqual({ id: '7', amount: 5 });
});
