/**
 * Routes as data: the OpenAPI document the service serves is derived from the route specs in @marketqr/contracts
 * (request and response schemas included), what the service really answers matches the specs' response schemas
 * (handlers are typed against them; this checks the values too), and a malformed request is answered with the codes
 * it always was. The numbers themselves are the flow tests'; here the tables are empty or nearly so.
 */
import type { Connection } from 'mongoose';
import { createTokenIssuer, loadAuthConfig } from '@marketqr/auth';
import { insightsRoutes, MARKET_STATS_TABLES, PROVINCE_STATS_TABLES, conforms } from '@marketqr/contracts';
import { createLogger, type RunningService } from '@marketqr/service-kit';
import { uniqueName, specsMissingFrom } from '@marketqr/test-harness';
import { startInsights } from './service';

const JWT_SECRET = 'market-insights-routes-secret-at-least-32-chars';
const MARKET = 'cho-tuyen';
let svc: RunningService;
let base: string;
let db: Connection;
const issuer = createTokenIssuer(loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET }, { issuer: true }));
const admin = issuer.issue({ role: 'admin', sub: 'usr-admin' }).token;
const manager = issuer.issue({ role: 'market_manager', sub: 'usr-bql', marketId: MARKET }).token;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function call(method: string, path: string, token: string | null = manager) {
  const res = await fetch(`${base}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const type = res.headers.get('content-type') ?? '';
  const text = await res.text();
  return { status: res.status, type, body: (type.includes('json') ? JSON.parse(text) : text) as Json };
}

beforeAll(async () => {
  ({ svc, base, db } = await startInsights({
    clock: () => new Date('2025-03-15T03:00:00Z'),
    dbName: uniqueName('test_insights_routes'),
    prefix: `${uniqueName('mi-routes')}.`,
    jwtSecret: JWT_SECRET,
    payerSalt: 'routes-test-payer-salt',
    logger: createLogger('market-insights-routes-test', 'warn'),
  }));
  // One alert, as the evaluator would have stored it: what the alert routes answer with.
  const raisedAt = new Date('2025-03-15T01:00:00Z');
  await db.collection('alerts').insertOne({
    _id: 'al_routes000000000000000001' as never,
    key: 'routes-test',
    kind: 'fake_qr',
    severity: 'high',
    status: 'open',
    marketId: MARKET,
    merchantId: 'st-1',
    stallCode: 'A-1',
    zone: 'A',
    title: 'Mã QR giả',
    details: { payloadHash: 'abc' },
    link: '/manager/alerts/al_routes000000000000000001',
    raisedAt,
    acknowledgedAt: null,
    acknowledgedBy: null,
    resolvedAt: null,
    resolution: null,
    occurrences: 2,
    occurredAt: [raisedAt, new Date('2025-03-15T01:05:00Z')],
  });
});

afterAll(async () => {
  await db?.close();
  await svc?.stop();
});

describe('the OpenAPI document is derived from the route specs', () => {
  let doc: Json;
  beforeAll(async () => {
    doc = (await call('GET', '/openapi.json', null)).body;
  });

  test('every spec is an operation of the document', () => {
    expect(specsMissingFrom(doc, insightsRoutes)).toEqual([]);
  });

  test('a statistics table: which tables, the query, the answer, and each table’s columns', () => {
    const op = doc.paths['/markets/{marketId}/stats/{table}'].get;
    const table = op.parameters.find((p: Json) => p.name === 'table');
    expect(table).toMatchObject({ in: 'path', required: true, schema: { enum: [...MARKET_STATS_TABLES] } });
    const names = op.parameters.filter((p: Json) => p.in === 'query').map((p: Json) => p.name);
    expect(names).toEqual(['from', 'to', 'period', 'date', 'format', 'lang']);
    const answer = op.responses['200'].content['application/json'].schema;
    expect(answer.required).toEqual(expect.arrayContaining(['scope', 'period', 'rows']));
    expect(op.description).toMatch(/`stalls`: .*Columns: merchantId, stallCode/);
    expect(op.responses['400']['x-error-codes']).toEqual(['INSIGHTS.INVALID_PERIOD', 'INSIGHTS.INVALID_FORMAT']);
    expect(doc.paths['/province/stats/{table}'].get.description).toMatch(/`markets`: .*Columns: marketId, marketName/);
  });

  test('alerts and the report: their queries and error codes', () => {
    const list = doc.paths['/markets/{marketId}/alerts'].get;
    const names = list.parameters.filter((p: Json) => p.in === 'query').map((p: Json) => p.name);
    expect(names).toEqual(['status', 'kind', 'format', 'lang', 'page', 'pageSize']);
    expect(
      list.responses['200'].content['application/json'].schema.properties.items.items.properties.kind.enum,
    ).toContain('fake_qr');
    const ack = doc.paths['/alerts/{alertId}/acknowledge'].post;
    expect(ack.responses['409']['x-error-codes']).toEqual(['INSIGHTS.ALERT_RESOLVED']);
    const report = doc.paths['/markets/{marketId}/reports/monthly'].get;
    expect(report.responses['400']['x-error-codes']).toEqual(
      expect.arrayContaining(['INSIGHTS.INVALID_MONTH', 'INSIGHTS.MONTH_IN_FUTURE']),
    );
    expect(Object.keys(report.responses['200'].content)).toEqual(['application/json', 'application/pdf', 'text/csv']);
    expect(list.responses['200'].content['text/csv'].schema.type).toBe('string');
    expect(report.security).toEqual([{ bearer: [] }]);
  });
});

describe('what the service answers matches the specs', () => {
  test('every statistics table, of the market and of the province', async () => {
    for (const table of MARKET_STATS_TABLES) {
      const answer = conforms(insightsRoutes.marketStats, await call('GET', `/markets/${MARKET}/stats/${table}`));
      expect({ table, scope: answer.scope.level }).toEqual({ table, scope: 'market' });
    }
    for (const table of PROVINCE_STATS_TABLES) {
      const answer = conforms(
        insightsRoutes.provinceStats,
        await call('GET', `/province/stats/${table}?period=week&date=2025-03-12`, admin),
      );
      expect({ table, days: answer.period.days }).toEqual({ table, days: 7 });
    }
    const csv = await call('GET', `/markets/${MARKET}/stats/hours?format=csv`);
    expect([csv.status, csv.type]).toEqual([200, 'text/csv; charset=utf-8']);
  });

  test('alerts: the lists, one alert, acknowledged; the monthly report', async () => {
    const r = insightsRoutes;
    const list = conforms(r.listMarketAlerts, await call('GET', `/markets/${MARKET}/alerts?status=open`));
    expect(list.items.map((a) => a.occurredAt.length)).toEqual([2]);
    conforms(r.listProvinceAlerts, await call('GET', '/province/alerts?kind=fake_qr', admin));
    const id = list.items[0]!.id;
    conforms(r.getAlert, await call('GET', `/alerts/${id}`));
    const acked = conforms(r.acknowledgeAlert, await call('POST', `/alerts/${id}/acknowledge`));
    expect(acked.alert.status).toBe('acknowledged');
    const report = conforms(r.monthlyReport, await call('GET', `/markets/${MARKET}/reports/monthly?month=2025-02`));
    expect(report.report.month).toBe('2025-02');
    const pdf = await call('GET', `/markets/${MARKET}/reports/monthly?format=pdf`);
    expect([pdf.status, pdf.type]).toEqual([200, 'application/pdf']);
  });

  test('a malformed request answers the codes it always did', async () => {
    const codeOf = async (path: string, token: string | null = manager) => {
      const res = await call('GET', path, token);
      return [res.status, res.body?.error?.code, res.body?.error?.details?.field];
    };
    // An unknown table is not found before the token is looked at, as when each table had a path of its own.
    expect(await codeOf(`/markets/${MARKET}/stats/nope`, null)).toEqual([404, 'HTTP.NOT_FOUND', undefined]);
    expect(await codeOf(`/markets/${MARKET}/stats/markets`)).toEqual([404, 'HTTP.NOT_FOUND', undefined]);
    expect(await codeOf('/province/stats/stalls', admin)).toEqual([404, 'HTTP.NOT_FOUND', undefined]);
    expect(await codeOf(`/markets/${MARKET}/stats/payments`, null)).toEqual([401, 'AUTH.MISSING_TOKEN', undefined]);
    expect(await codeOf(`/markets/cho-khong-co/stats/payments`, admin)).toEqual([
      404,
      'INSIGHTS.MARKET_NOT_FOUND',
      undefined,
    ]);
    expect(await codeOf(`/markets/${MARKET}/stats/payments?from=2025-03-05`)).toEqual([
      400,
      'INSIGHTS.INVALID_PERIOD',
      'to',
    ]);
    expect(await codeOf(`/markets/${MARKET}/stats/payments?period=year&format=xlsx`)).toEqual([
      400,
      'INSIGHTS.INVALID_PERIOD',
      'period',
    ]);
    expect(await codeOf(`/markets/${MARKET}/stats/payments?date=2025-03-01&date=2025-03-02`)).toEqual([
      400,
      'INSIGHTS.INVALID_PERIOD',
      'date',
    ]);
    expect(await codeOf(`/markets/${MARKET}/stats/payments?format=xlsx`)).toEqual([
      400,
      'INSIGHTS.INVALID_FORMAT',
      'format',
    ]);
    expect(await codeOf(`/markets/${MARKET}/stats/payments?format=json&lang=fr`)).toEqual([200, undefined, undefined]);
    expect(await codeOf(`/markets/${MARKET}/alerts?status=closed&format=xlsx`)).toEqual([
      400,
      'INSIGHTS.INVALID_QUERY',
      undefined,
    ]);
    expect(await codeOf(`/markets/${MARKET}/alerts?format=xlsx&page=0`)).toEqual([
      400,
      'INSIGHTS.INVALID_FORMAT',
      'format',
    ]);
    expect((await codeOf(`/markets/${MARKET}/alerts?pageSize=0`)).slice(0, 2)).toEqual([400, 'HTTP.INVALID_PAGE']);
    expect(await codeOf(`/markets/${MARKET}/alerts?format=csv&lang=fr`)).toEqual([
      400,
      'INSIGHTS.INVALID_FORMAT',
      'lang',
    ]);
    expect(await codeOf(`/markets/${MARKET}/reports/monthly?format=xml&month=bad`)).toEqual([
      400,
      'INSIGHTS.INVALID_FORMAT',
      'format',
    ]);
    expect(await codeOf(`/markets/${MARKET}/reports/monthly?month=2025-3`)).toEqual([
      400,
      'INSIGHTS.INVALID_MONTH',
      'month',
    ]);
    expect(await codeOf(`/markets/${MARKET}/reports/monthly?month=2025-04`)).toEqual([
      400,
      'INSIGHTS.MONTH_IN_FUTURE',
      'month',
    ]);
  });
});
