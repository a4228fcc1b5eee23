import { specsMissingFrom } from '@marketqr/test-harness';
/**
 * Routes as data: the OpenAPI document the service serves is derived from the route specs in @marketqr/contracts
 * (request and response schemas included), and what the service really answers matches the specs' response schemas
 * (handlers are typed against them; this checks the values too, e.g. instants in ISO form).
 */
import { startBankSimulator, type RunningBankSimulator } from '@marketqr/bank-simulator';
import { settlementRoutes, conforms } from '@marketqr/contracts';
import mongoose from 'mongoose';
import { businessDayOf } from '../src/domain/business-day';
import {
  activated,
  adminToken,
  client,
  eventProducer,
  managerToken,
  payment,
  settlementEnv,
  stall,
  startSettlement,
  uniqueName,
  vendorToken,
  waitFor,
} from './support';

const prefix = `${uniqueName('stlr')}.`;
const dbName = uniqueName('test_settlement_routes');
let sim: RunningBankSimulator;
let svc: Awaited<ReturnType<typeof startSettlement>>;
let producer: Awaited<ReturnType<typeof eventProducer>>;
const call = client(() => svc.base);
const admin = adminToken();

beforeAll(async () => {
  sim = await startBankSimulator({ seed: 'settlement-routes' });
  svc = await startSettlement(settlementEnv({ dbName, prefix, bankUrl: sim.url }));
  producer = await eventProducer(prefix);
});

afterAll(async () => {
  await producer?.stop();
  await svc?.stop();
  await sim?.stop();
  const { mongoUrl } = (await import('@marketqr/test-harness')).testInfra();
  const conn = await mongoose.createConnection(mongoUrl, { dbName }).asPromise();
  await conn.dropDatabase();
  await conn.close();
});

describe('the OpenAPI document is derived from the route specs', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document walked by path
  let doc: any;
  beforeAll(async () => {
    doc = (await call('GET', '/openapi.json')).body;
  });

  test('every spec is an operation of the document', () => {
    expect(specsMissingFrom(doc, settlementRoutes)).toEqual([]);
  });

  test('the charges: the body they read, the answer they give, their error codes', () => {
    const op = doc.paths['/stalls/{merchantId}/charges'].put;
    const body = op.requestBody.content['application/json'].schema;
    expect(body).toMatchObject({ type: 'object', required: ['items'], properties: { items: { type: 'array' } } });
    expect(body.properties.items.items.properties.amount).toMatchObject({ type: 'integer', maximum: 100_000_000 });
    const answer = op.responses['200'].content['application/json'].schema;
    expect(answer.properties.charges.properties.netted).toMatchObject({ type: 'boolean' });
    expect(op.responses['400']['x-error-codes']).toEqual(['SETTLEMENT.INVALID_REQUEST', 'SETTLEMENT.DUPLICATE_CHARGE']);
    expect(op.security).toEqual([{ bearer: [] }]);
  });

  test('list routes carry their query; the reconciliation its day, language and format', () => {
    const lines = doc.paths['/markets/{marketId}/settlement-lines'].get;
    const names = lines.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
    expect(names).toEqual(['state', 'day', 'page', 'pageSize']);
    expect(lines.responses['200'].content['application/json'].schema.properties.items.type).toBe('array');
    const recon = doc.paths['/markets/{marketId}/reconciliation'].get;
    expect(recon.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'day', in: 'query', required: true }),
        expect.objectContaining({ name: 'lang', in: 'query', required: false }),
        expect.objectContaining({ name: 'format', in: 'query' }),
      ]),
    );
    expect(recon.responses['400']['x-error-codes']).toEqual(['SETTLEMENT.INVALID_DAY', 'SETTLEMENT.INVALID_LANG']);
    const retry = doc.paths['/settlement-lines/{lineId}/retry'].post;
    expect(Object.keys(retry.responses)).toEqual(expect.arrayContaining(['200', '202', '404', '409']));
  });
});

describe('what the service answers matches the specs', () => {
  test('fees, the collection account, charges, a cut-off, its batch and lines, the summary, the reconciliation', async () => {
    const r = settlementRoutes;
    const market = uniqueName('cho_routes');
    const today = businessDayOf(new Date());
    const collection = '2150007777';
    const s = stall(market);
    const vendor = vendorToken(s);
    const manager = managerToken(market);

    conforms(
      r.setFeeSchedule,
      await call('PUT', `/markets/${market}/fee-schedule`, { body: { rateBps: 100, minimumFee: 500 }, token: admin }),
    );
    conforms(r.getFeeSchedule, await call('GET', `/markets/${market}/fee-schedule`, { token: manager }));
    conforms(
      r.setCollectionAccount,
      await call('PUT', `/markets/${market}/collection-account`, { body: { accountNumber: collection }, token: admin }),
    );
    conforms(r.getCollectionAccount, await call('GET', `/markets/${market}/collection-account`, { token: manager }));

    await producer.send(activated(s));
    await waitFor(
      async () =>
        (await call('GET', `/stalls/${s.merchantId}/settlement-summary`, { token: admin })).body.summary?.stall.known,
      { what: 'the stall known to settlement' },
    );
    const plan = conforms(
      r.setCharges,
      await call('PUT', `/stalls/${s.merchantId}/charges`, {
        body: { items: [{ code: 'stall_rent', label: 'Tiền thuê sạp', amount: 10_000 }] },
        token: manager,
      }),
    );
    conforms(
      r.agreeCharges,
      await call('PUT', `/stalls/${s.merchantId}/charges/agreement`, {
        body: { planVersion: plan.charges.plan!.version, agreed: true },
        token: vendor,
      }),
    );
    expect(
      conforms(r.getCharges, await call('GET', `/stalls/${s.merchantId}/charges`, { token: vendor })).charges.netted,
    ).toBe(true);

    const t = sim.receiveTransfer({ toAccount: collection, amount: 150_000 });
    await producer.send(payment(s, 150_000, today, { bankTransactionId: t.transactionId, paidAt: t.bookedAt }));
    await waitFor(
      async () =>
        (await call('GET', `/stalls/${s.merchantId}/settlement-summary`, { token: admin })).body.summary?.credits ===
        150_000,
      { what: 'the payment counted' },
    );

    const cut = conforms(
      r.cutoff,
      await call('POST', `/markets/${market}/settlements/cutoff`, { body: { businessDay: today }, token: admin }),
    );
    expect(cut.created).toBe(true);
    const again = await call('POST', `/markets/${market}/settlements/cutoff`, {
      body: { businessDay: today },
      token: admin,
    });
    expect(again.status).toBe(200);
    conforms(r.cutoff, again);

    const paid = await waitFor(
      async () => {
        const lines = conforms(
          r.stallLines,
          await call('GET', `/stalls/${s.merchantId}/settlement-lines`, { token: vendor }),
        );
        return lines.items.find((l) => l.state === 'paid');
      },
      { what: 'the line paid' },
    );
    expect(paid.payout?.paidAt).toEqual(expect.any(String));
    const line = conforms(r.getLine, await call('GET', `/settlement-lines/${paid.id}`, { token: vendor }));
    expect(line.line.contributions).toHaveLength(1);
    conforms(r.stallSummary, await call('GET', `/stalls/${s.merchantId}/settlement-summary`, { token: vendor }));
    conforms(
      r.marketLines,
      await call('GET', `/markets/${market}/settlement-lines?state=paid&day=${today}`, { token: manager }),
    );
    const batches = conforms(
      r.listBatches,
      await call('GET', `/markets/${market}/settlement-batches`, { token: manager }),
    );
    conforms(
      r.getBatch,
      await call('GET', `/markets/${market}/settlement-batches/${batches.items[0]!.id}`, { token: manager }),
    );
    const recon = conforms(
      r.reconciliation,
      await call('GET', `/markets/${market}/reconciliation?day=${today}`, { token: manager }),
    );
    expect(recon.reconciliation.items.length).toBeGreaterThan(0);
    const csv = await call('GET', `/markets/${market}/reconciliation?day=${today}&format=csv`, { token: manager });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    // Anything but csv is JSON, as it always was.
    conforms(
      r.reconciliation,
      await call('GET', `/markets/${market}/reconciliation?day=${today}&format=xml`, { token: manager }),
    );
  });

  test('bad input is answered with the codes it always was', async () => {
    const market = uniqueName('cho_bad');
    const code = async (method: string, path: string, body?: unknown) => {
      const res = await call(method, path, { token: admin, body });
      return [res.status, res.body.error?.code];
    };
    expect(await code('GET', `/markets/${market}/settlement-lines?state=lost`)).toEqual([
      400,
      'SETTLEMENT.INVALID_REQUEST',
    ]);
    expect(await code('GET', `/markets/${market}/settlement-lines?state=lost&page=0`)).toEqual([
      400,
      'SETTLEMENT.INVALID_REQUEST',
    ]);
    expect(await code('GET', `/markets/${market}/settlement-lines?page=0`)).toEqual([400, 'HTTP.INVALID_PAGE']);
    expect(await code('GET', `/markets/${market}/settlement-batches?pageSize=101`)).toEqual([400, 'HTTP.INVALID_PAGE']);
    expect(await code('PUT', `/markets/${market}/fee-schedule`, { rateBps: 10_001 })).toEqual([
      400,
      'SETTLEMENT.INVALID_FEE_SCHEDULE',
    ]);
    expect(await code('PUT', `/markets/${market}/collection-account`, { accountNumber: '12' })).toEqual([
      400,
      'SETTLEMENT.INVALID_REQUEST',
    ]);
    expect(await code('POST', `/markets/${market}/settlements/cutoff`, { businessDay: 'today' })).toEqual([
      400,
      'SETTLEMENT.INVALID_REQUEST',
    ]);
    expect(await code('GET', `/markets/${market}/reconciliation`)).toEqual([400, 'SETTLEMENT.INVALID_DAY']);
    expect(await code('GET', `/markets/${market}/reconciliation?day=2026-02-30&lang=fr`)).toEqual([
      400,
      'SETTLEMENT.INVALID_DAY',
    ]);
    expect(await code('GET', `/markets/${market}/reconciliation?day=2026-02-03&lang=fr`)).toEqual([
      400,
      'SETTLEMENT.INVALID_LANG',
    ]);
  });
});
