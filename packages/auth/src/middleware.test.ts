import type { Express } from 'express';
import pino from 'pino';
import request from 'supertest';
import { createHttpApp, createMetrics } from '@marketqr/service-kit';
import {
  authenticate,
  createTokenIssuer,
  createTokenVerifier,
  generateSigningKey,
  loadAuthConfig,
  principalOf,
  requireMarketAccess,
  requireRole,
  requireStallAccess,
  type PrincipalClaims,
} from './index';

const config = loadAuthConfig(
  { NODE_ENV: 'production', JWT_PRIVATE_KEY: generateSigningKey().privateKeyPem },
  { issuer: true },
);
const issuer = createTokenIssuer(config);
const stallMarket: Record<string, string> = { 'stall-a': 'market-1', 'stall-b': 'market-1', 'stall-z': 'market-2' };

function app(): Express {
  const { app: a, finish } = createHttpApp({
    service: 'auth-test',
    version: '0',
    logger: pino({ level: 'silent' }),
    metrics: createMetrics('auth-test'),
    readiness: () => [],
    started: () => true,
  });
  a.use('/api', authenticate(createTokenVerifier(config)));
  a.get(
    '/api/stalls/:merchantId',
    requireStallAccess(
      (req) => String(req.params.merchantId),
      async (req) => stallMarket[String(req.params.merchantId)],
    ),
    (req, res) => void res.json({ stall: req.params.merchantId, by: principalOf(req).sub }),
  );
  a.get(
    '/api/markets/:marketId/stats',
    requireMarketAccess((req) => String(req.params.marketId)),
    (req, res) => void res.json({ market: req.params.marketId }),
  );
  a.post('/api/admin/markets', requireRole('admin'), (_req, res) => void res.status(201).json({ ok: true }));
  finish(a);
  return a;
}

const bearer = (claims: PrincipalClaims, ttlSeconds?: number) =>
  `Bearer ${issuer.issue(claims, ttlSeconds ? { ttlSeconds } : {}).token}`;
const vendorA = bearer({ role: 'vendor', sub: 'u-a', merchantId: 'stall-a', marketId: 'market-1' });
const manager1 = bearer({ role: 'market_manager', sub: 'u-m1', marketId: 'market-1' });
const admin = bearer({ role: 'admin', sub: 'u-admin' });
const service = bearer({ role: 'service', sub: 'settlement' });

describe('auth middleware in a real Express app', () => {
  const server = app();
  const get = (path: string, auth?: string) => {
    const r = request(server).get(path);
    return auth ? r.set('Authorization', auth) : r;
  };
  const expectError = (res: request.Response, status: number, code: string) => {
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ error: { code } });
  };

  it('401 AUTH.MISSING_TOKEN without a token, with a Bearer challenge', async () => {
    const res = await get('/api/stalls/stall-a');
    expectError(res, 401, 'AUTH.MISSING_TOKEN');
    expect(res.headers['www-authenticate']).toBe('Bearer');
  });

  it('401 AUTH.INVALID_TOKEN for a bad token or another scheme', async () => {
    expectError(await get('/api/stalls/stall-a', 'Bearer abc.def.ghi'), 401, 'AUTH.INVALID_TOKEN');
    expectError(await get('/api/stalls/stall-a', 'Basic dXNlcjpwYXNz'), 401, 'AUTH.INVALID_TOKEN');
  });

  it('401 AUTH.TOKEN_EXPIRED for an expired token', async () => {
    // An hour past a one-minute token on the test's own clock: expired however slow the machine.
    const expired = issuer.issue({ role: 'admin', sub: 'u' }, { ttlSeconds: 60 }).token;
    const realNow = Date.now;
    Date.now = () => realNow() + 3_600_000;
    try {
      expectError(await get('/api/stalls/stall-a', `Bearer ${expired}`), 401, 'AUTH.TOKEN_EXPIRED');
    } finally {
      Date.now = realNow;
    }
  });

  it('a vendor sees its own stall only', async () => {
    const own = await get('/api/stalls/stall-a', vendorA);
    expect(own.status).toBe(200);
    expect(own.body).toEqual({ stall: 'stall-a', by: 'u-a' });
    expectError(await get('/api/stalls/stall-b', vendorA), 403, 'AUTH.FORBIDDEN');
    expectError(await get('/api/markets/market-1/stats', vendorA), 403, 'AUTH.FORBIDDEN');
  });

  it("a manager sees its own market's stalls and statistics only", async () => {
    expect((await get('/api/stalls/stall-b', manager1)).status).toBe(200);
    expectError(await get('/api/stalls/stall-z', manager1), 403, 'AUTH.FORBIDDEN');
    expectError(await get('/api/stalls/stall-unknown', manager1), 403, 'AUTH.FORBIDDEN');
    expect((await get('/api/markets/market-1/stats', manager1)).status).toBe(200);
    expectError(await get('/api/markets/market-2/stats', manager1), 403, 'AUTH.FORBIDDEN');
  });

  it('admins and services pass the scope guards', async () => {
    for (const who of [admin, service]) {
      expect((await get('/api/stalls/stall-z', who)).status).toBe(200);
      expect((await get('/api/markets/market-2/stats', who)).status).toBe(200);
    }
  });

  it('requireRole: 403 for the wrong role, 201 for the right one', async () => {
    const post = (auth: string) => request(server).post('/api/admin/markets').set('Authorization', auth).send({});
    expectError(await post(manager1), 403, 'AUTH.FORBIDDEN');
    expectError(await post(service), 403, 'AUTH.FORBIDDEN');
    expect((await post(admin)).status).toBe(201);
  });
});
