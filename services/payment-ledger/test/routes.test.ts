import { specsMissingFrom } from '@marketqr/test-harness';
/**
 * Routes as data: the OpenAPI document the service serves is derived from the route specs in @marketqr/contracts
 * (request and response schemas included, the webhooks' bank formats and the live stream's media type too), and what
 * the service really answers matches the specs' response schemas (handlers are typed against them; this checks the
 * values too, e.g. instants in ISO form).
 */
import { paymentLedgerRoutes, conforms } from '@marketqr/contracts';
import { paymentIdFor } from '../src/webhooks/webhook.service';
import {
  activated,
  bankSimBody,
  call,
  hcmLocal,
  MARKETS,
  paymentEntry,
  postBankSim,
  postCasso,
  postSepay,
  settled,
  stall,
  startLedger,
  txId,
  waitForProjections,
  type Harness,
} from './support';

let h: Harness;
const s = stall(41);

beforeAll(async () => {
  h = await startLedger('routes');
  await h.publish([activated(s)]);
  await waitForProjections(h, 1);
});

afterAll(async () => {
  await h?.stop();
});

describe('the OpenAPI document is derived from the route specs', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document walked by path
  let doc: any;
  beforeAll(async () => {
    doc = (await call(h, 'GET', '/openapi.json')).body;
  });

  test('every spec is an operation of the document', () => {
    expect(specsMissingFrom(doc, paymentLedgerRoutes)).toEqual([]);
  });

  test('a webhook: the bank’s format, its answer, its error codes, no bearer token', () => {
    const op = doc.paths['/webhooks/sepay'].post;
    const body = op.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(expect.arrayContaining(['id', 'transactionDate', 'accountNumber', 'transferType']));
    expect(body.properties.transferType).toMatchObject({ enum: ['in', 'out'] });
    expect(op.responses['200'].content['application/json'].schema.properties.success).toBeDefined();
    expect(op.responses['401']['x-error-codes']).toEqual(['WEBHOOK.BAD_SIGNATURE', 'WEBHOOK.STALE_TIMESTAMP']);
    expect(op.responses['409']['x-error-codes']).toEqual(['WEBHOOK.MODIFIED_RESEND']);
    expect(op.security).toBeUndefined();
  });

  test('the live stream answers text/event-stream; corrections read a body; lists carry their query', () => {
    const stream = doc.paths['/stalls/{merchantId}/payments/stream'].get;
    expect(Object.keys(stream.responses['200'].content)).toEqual(['text/event-stream']);
    expect(stream.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'since', in: 'query', required: false })]),
    );
    const reverse = doc.paths['/payments/{paymentId}/reverse'].post;
    expect(reverse.requestBody.content['application/json'].schema.required).toEqual(['reasonCode', 'reason']);
    expect(reverse.responses['201'].content['application/json'].schema.properties.entry).toBeDefined();
    const market = doc.paths['/markets/{marketId}/payments'].get;
    const names = market.parameters
      .filter((p: { in: string }) => p.in === 'query')
      .map((p: { name: string }) => p.name);
    expect(names).toEqual(['page', 'pageSize', 'outcome']);
  });
});

describe('what the service answers matches the specs', () => {
  test('webhooks, the stall’s statement and payments, a payment, the review queue, corrections, the QR check', async () => {
    const r = paymentLedgerRoutes;
    const admin = h.token({ role: 'admin', sub: 'usr-admin' });
    const manager = h.token({ role: 'market_manager', sub: 'usr-bql', marketId: MARKETS.nenh.marketId });
    const vendor = h.token({ role: 'vendor', sub: 'usr-v', merchantId: s.merchantId, marketId: s.marketId });

    const simBody = bankSimBody({ amount: 70_000, virtualAccount: s.va });
    const sim = conforms(r.bankSimWebhook, await postBankSim(h.base, simBody));
    expect(sim.duplicate).toBe(false);
    expect(conforms(r.bankSimWebhook, await postBankSim(h.base, simBody)).duplicate).toBe(true);
    const sepayId = Number(String(Date.now()).slice(-9));
    conforms(
      r.sepayWebhook,
      await postSepay(h.base, {
        id: sepayId,
        gateway: 'BIDV',
        transactionDate: hcmLocal(),
        accountNumber: MARKETS.nenh.collection,
        code: null,
        content: 'chuyen khoan',
        transferType: 'in',
        transferAmount: 40_000,
        accumulated: null,
        subAccount: null,
        referenceCode: null,
      }),
    );
    conforms(
      r.cassoWebhook,
      await postCasso(h.base, {
        error: 0,
        data: {
          id: txId('CS'),
          description: 'ck',
          amount: 25_000,
          transactionDateTime: hcmLocal(),
          accountNumber: '9999000011',
        },
      }),
    );
    const stalled = paymentIdFor('bank-sim', simBody.transactionId);
    const unmatched = paymentIdFor('sepay', String(sepayId));
    await paymentEntry(h, stalled);
    await paymentEntry(h, unmatched);
    await settled(h);

    const statement = conforms(r.stallStatement, await call(h, 'GET', `/stalls/${s.merchantId}/statement`, vendor));
    expect(statement.balance).toBe(70_000);
    expect(statement.items[0]!.payment?.paymentId).toBe(stalled);
    conforms(r.stallPayments, await call(h, 'GET', `/stalls/${s.merchantId}/payments?since=0`, vendor));
    expect(
      conforms(r.paymentsToday, await call(h, 'GET', `/stalls/${s.merchantId}/payments/today`, vendor)).total,
    ).toBe(70_000);
    // A vendor's view (payer masked, no resends) and an admin's.
    conforms(r.getPayment, await call(h, 'GET', `/payments/${stalled}`, vendor));
    const full = conforms(r.getPayment, await call(h, 'GET', `/payments/${stalled}`, admin));
    expect(full.entries?.length).toBe(1);
    const queue = conforms(
      r.marketPayments,
      await call(h, 'GET', `/markets/${MARKETS.nenh.marketId}/payments?outcome=unmatched`, manager),
    );
    expect(queue.items.some((e) => e.paymentId === unmatched)).toBe(true);
    conforms(r.unidentifiedPayments, await call(h, 'GET', '/unidentified-payments', admin));
    conforms(
      r.reallocatePayment,
      await call(h, 'POST', `/payments/${unmatched}/reallocate`, manager, {
        toMerchantId: s.merchantId,
        reason: 'the shopper showed the receipt',
      }),
    );
    conforms(
      r.reversePayment,
      await call(h, 'POST', `/payments/${stalled}/reverse`, admin, {
        reasonCode: 'refund_to_payer',
        reason: 'refunded at the stall',
      }),
    );
    conforms(r.qrPayment, await call(h, 'GET', '/qr/qr_nothing_paid_yet/payment'));

    const controller = new AbortController();
    const stream = await fetch(`${h.base}/stalls/${s.merchantId}/payments/stream?since=0`, {
      headers: { authorization: `Bearer ${vendor}` },
      signal: controller.signal,
    });
    expect([stream.status, stream.headers.get('content-type')]).toEqual([
      200,
      expect.stringMatching(/^text\/event-stream/),
    ]);
    controller.abort();
  });

  test('bad input is answered with the codes it always was', async () => {
    const admin = h.token({ role: 'admin', sub: 'usr-admin' });
    const code = async (method: string, path: string, body?: unknown) => {
      const res = await call(h, method, path, admin, body);
      return [res.status, res.body.error?.code];
    };
    const stallPath = `/stalls/${s.merchantId}`;
    expect(await code('GET', `${stallPath}/payments?since=-1`)).toEqual([400, 'LEDGER.INVALID_QUERY']);
    expect(await code('GET', `${stallPath}/payments?since=x&page=0`)).toEqual([400, 'HTTP.INVALID_PAGE']);
    expect(await code('GET', `${stallPath}/statement?pageSize=500`)).toEqual([400, 'HTTP.INVALID_PAGE']);
    expect(await code('GET', `${stallPath}/payments/stream?since=abc`)).toEqual([400, 'LEDGER.INVALID_RESUME_TOKEN']);
    expect(await code('GET', `/markets/${MARKETS.nenh.marketId}/payments?outcome=lost`)).toEqual([
      400,
      'LEDGER.INVALID_QUERY',
    ]);
    expect(await code('GET', '/unidentified-payments?page=0')).toEqual([400, 'HTTP.INVALID_PAGE']);
    expect(await code('POST', '/payments/pay-x/reverse', { reasonCode: 'Bad Code', reason: 'x' })).toEqual([
      400,
      'LEDGER.INVALID_REQUEST',
    ]);
    expect(await code('GET', `/qr/${encodeURIComponent('qr 1')}/payment`)).toEqual([400, 'LEDGER.INVALID_QR_ID']);
    const notJson = await postSepay(h.base, { id: 1 });
    expect([notJson.status, notJson.body.error?.code]).toEqual([400, 'WEBHOOK.MALFORMED']);
  });
});
