/**
 * Routes as data: the OpenAPI document the service serves is derived from the route specs in @marketqr/contracts
 * (request and response schemas included), what the service really answers matches the specs' response schemas
 * (handlers are typed against them; this checks the values too, e.g. instants in ISO form), and a malformed request
 * is answered with the codes it always was.
 */
import { startBankSimulator, type RunningBankSimulator } from '@marketqr/bank-simulator';
import { onboardingRoutes, conforms } from '@marketqr/contracts';
import { runService } from '@marketqr/service-runtime';
import type { RunningService } from '@marketqr/service-kit';
import { uniqueName, specsMissingFrom, serviceTestEnv } from '@marketqr/test-harness';
import { definition } from '../src/service';

const ADMIN_PASSWORD = 'routes-test-admin-password';
let sim: RunningBankSimulator;
let svc: RunningService;
let base: string;
let admin: string;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: (text ? JSON.parse(text) : null) as Json };
}

beforeAll(async () => {
  sim = await startBankSimulator({ seed: 'onboarding-routes' });
  svc = await runService(definition, {
    env: {
      ...serviceTestEnv({ dbName: uniqueName('test_onboarding_routes'), topicPrefix: `${uniqueName('mo-routes')}.` }),
      BANK_BASE_URL: sim.url,
      BANK_TIMEOUT_MS: '5000',
      VERIFY_RETRY_BASE_MS: '50',
      VERIFY_POLL_MS: '100',
      JWT_SECRET: 'a-test-secret-that-is-at-least-32-characters-long',
      ADMIN_USERNAME: 'admin',
      ADMIN_PASSWORD,
    },
  });
  await svc.ready;
  base = `http://127.0.0.1:${svc.port}`;
  admin = conforms(
    onboardingRoutes.login,
    await call('POST', '/auth/login', { username: 'admin', password: ADMIN_PASSWORD }),
  ).token;
});

afterAll(async () => {
  await svc?.stop();
  await sim?.stop();
});

describe('the OpenAPI document is derived from the route specs', () => {
  let doc: Json;
  beforeAll(async () => {
    doc = (await call('GET', '/openapi.json')).body;
  });

  test('every spec is an operation of the document', () => {
    expect(specsMissingFrom(doc, onboardingRoutes)).toEqual([]);
  });

  test('registering a stall: the body it reads, the answer it gives, its error codes; no token needed', () => {
    const op = doc.paths['/markets/{marketId}/stalls'].post;
    const body = op.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['stallCode', 'zone', 'category', 'vendor', 'payoutAccount']));
    expect(body.properties.category.enum).toContain('vegetables');
    expect(body.properties.vendor.properties.pin).toMatchObject({ type: 'string', pattern: '^\\d{6}$' });
    const answer = op.responses['201'].content['application/json'].schema;
    expect(answer.properties.stall.properties.status.enum).toEqual([
      'pending_verification',
      'verified',
      'active',
      'suspended',
    ]);
    expect(op.responses['400']['x-error-codes']).toEqual(
      expect.arrayContaining(['MERCHANT.INVALID_REQUEST', 'MERCHANT.INVALID_PHONE', 'MERCHANT.UNKNOWN_BIN']),
    );
    expect(op.security).toBeUndefined();
  });

  test('a list carries its query; the JWKS says its media type; the login its lockout', () => {
    const list = doc.paths['/markets/{marketId}/stalls'].get;
    const names = list.parameters.filter((p: Json) => p.in === 'query').map((p: Json) => p.name);
    expect(names).toEqual(['page', 'pageSize', 'status', 'verification']);
    expect(list.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/.well-known/jwks.json'].get.responses['200'].content['application/jwk-set+json']).toBeDefined();
    expect(doc.paths['/auth/login'].post.responses['429']['x-error-codes']).toEqual(['AUTH.LOCKED']);
  });
});

describe('what the service answers matches the specs', () => {
  test('markets, banks, a manager, stalls through their life', async () => {
    const r = onboardingRoutes;
    const market = conforms(
      r.createMarket,
      await call(
        'POST',
        '/markets',
        {
          id: 'cho-routes',
          name: 'Chợ Tuyến',
          province: 'Bắc Giang',
          district: 'Việt Yên',
          address: 'Thị trấn Nếnh',
          zones: [{ code: 'A', name: 'Khu rau củ' }],
          collectionAccount: { bin: '970418', accountNumber: '2150009999' },
        },
        admin,
      ),
    ).market;
    expect(market.createdAt).toMatch(/Z$/);
    conforms(r.getMarket, await call('GET', '/markets/cho-routes'));
    conforms(r.listMarkets, await call('GET', '/markets?pageSize=5', undefined, admin));
    const banks = conforms(r.listBanks, await call('GET', '/banks'));
    expect(banks.items.length).toBeGreaterThan(10);
    conforms(
      r.createManager,
      await call(
        'POST',
        '/markets/cho-routes/managers',
        { username: 'bql.routes', fullName: 'Trần Văn Quản', password: 'manager-password-1' },
        admin,
      ),
    );
    const manager = conforms(
      r.login,
      await call('POST', '/auth/login', { username: 'bql.routes', password: 'manager-password-1' }),
    );
    expect(manager.deviceToken).toEqual(expect.any(String));

    sim.registerAccount({ bin: '970436', accountNumber: '9090909090', name: 'Nguyễn Thị Hoa', status: 'active' });
    const registered = conforms(
      r.registerStall,
      await call('POST', '/markets/cho-routes/stalls', {
        stallCode: 'a-1',
        zone: 'A',
        category: 'vegetables',
        vendor: { fullName: 'Nguyễn Thị Hoa', phone: '0913 000 111', pin: '135790' },
        payoutAccount: { bin: '970436', accountNumber: '9090909090' },
      }),
    ).stall;
    expect(registered.status).toBe('verified');
    const id = registered.id;
    const mgr = manager.token;
    conforms(r.getStall, await call('GET', `/stalls/${id}`, undefined, mgr));
    conforms(r.retryVerification, await call('POST', `/stalls/${id}/verification/retry`, undefined, mgr));
    expect(conforms(r.approveStall, await call('POST', `/stalls/${id}/approve`, undefined, mgr)).stall.status).toBe(
      'active',
    );
    const suspended = conforms(
      r.suspendStall,
      await call('POST', `/stalls/${id}/suspend`, { reasonCode: 'suspected_fake_qr', reason: 'kiểm tra' }, mgr),
    ).stall;
    expect(suspended.suspension?.at).toMatch(/Z$/);
    conforms(r.reactivateStall, await call('POST', `/stalls/${id}/reactivate`, undefined, mgr));
    sim.registerAccount({ bin: '970436', accountNumber: '8080808080', name: 'Lê Văn Khác', status: 'active' });
    const changed = conforms(
      r.changePayoutAccount,
      await call('PUT', `/stalls/${id}/payout-account`, { bin: '970436', accountNumber: '8080808080' }, mgr),
    ).stall;
    // Another holder's name: a manager must look.
    const mismatch = await (async () => {
      for (let i = 0; i < 50; i++) {
        const s = conforms(r.getStall, await call('GET', `/stalls/${changed.id}`, undefined, mgr)).stall;
        if (s.verification.state === 'name_mismatch') return s;
        await new Promise((done) => setTimeout(done, 100));
      }
      throw new Error('no name mismatch');
    })();
    conforms(
      r.reviewVerification,
      await call('POST', `/stalls/${mismatch.id}/verification/review`, { decision: 'accept', note: 'đã gọi' }, mgr),
    );
    const list = conforms(
      r.listMarketStalls,
      await call('GET', '/markets/cho-routes/stalls?status=active&pageSize=5', undefined, mgr),
    );
    expect(list.items.map((s) => s.id)).toContain(id);
  });

  test('a malformed request answers the codes it always did', async () => {
    const codeOf = async (method: string, path: string, body?: unknown, token = admin) => {
      const res = await call(method, path, body, token);
      return [res.status, res.body?.error?.code];
    };
    expect(await codeOf('POST', '/auth/login', { username: 'admin' })).toEqual([400, 'AUTH.INVALID_REQUEST']);
    expect(await codeOf('POST', '/markets', { id: 'Bad Id' })).toEqual([400, 'MERCHANT.INVALID_REQUEST']);
    expect(await codeOf('GET', '/markets?pageSize=500')).toEqual([400, 'HTTP.INVALID_PAGE']);
    expect(await codeOf('GET', '/markets/cho-routes/stalls?status=open')).toEqual([400, 'MERCHANT.INVALID_QUERY']);
    expect(await codeOf('GET', '/markets/cho-routes/stalls?status=open&page=0')).toEqual([400, 'HTTP.INVALID_PAGE']);
    // The stall before the body: an unknown stall is not found, whatever the body says.
    expect(await codeOf('POST', '/stalls/stl_nope/suspend', { reasonCode: 'X' })).toEqual([
      404,
      'MERCHANT.STALL_NOT_FOUND',
    ]);
    expect(await codeOf('GET', '/markets/cho-khong-co')).toEqual([404, 'MERCHANT.MARKET_NOT_FOUND']);
    expect(
      await codeOf('POST', '/markets/cho-routes/stalls', {
        stallCode: 'A-2',
        zone: 'A',
        category: 'vegetables',
        vendor: { fullName: 'Nguyễn Văn A', phone: '12345', pin: '135790' },
        payoutAccount: { bin: '970436', accountNumber: '9090909091' },
      }),
    ).toEqual([400, 'MERCHANT.INVALID_PHONE']);
  });
});
