import { startBankSimulator } from '@marketqr/bank-simulator';
import mongoose from 'mongoose';
import { adminToken, client, settlementEnv, startSettlement, uniqueName, waitFor } from './support';
import { testInfra } from '@marketqr/test-harness';

jest.setTimeout(300_000);
test('scale', async () => {
  const sim = await startBankSimulator({ seed: 'scale' });
  const dbName = uniqueName('test_scale');
  const svc = await startSettlement(settlementEnv({ dbName, prefix: `${uniqueName('sc')}.`, bankUrl: sim.url, extra: { PAYOUT_CONCURRENCY: '8' } }));
  const conn = await mongoose.createConnection(testInfra().mongoUrl, { dbName }).asPromise();
  const N = Number(process.env.N ?? 300);
  const market = 'm1';
  const day = '2025-05-01';
  const stalls = Array.from({ length: N }, (_, i) => ({ _id: `s${i}`, marketId: market, marketName: 'x', stallCode: `A-${i}`, vendorName: 'v', status: 'active', payoutAccount: { bin: '970415', accountNumber: `10${String(1000000000 + i)}`, holderName: 'X' }, lastEventAt: new Date(), lastEventId: 'e' }));
  await conn.collection('stalls').insertMany(stalls as never);
  const contribs = stalls.flatMap((s, i) => [0, 1, 2].map((k) => ({ _id: `pay:${i}:${k}`, merchantId: s._id, marketId: market, businessDay: day, kind: 'payment', amount: 10_000 + k, count: 1, paymentId: `p${i}${k}`, bankTransactionId: `t${i}${k}`, eventId: 'e', recordedAt: new Date(), lineId: null })));
  await conn.collection('contributions').insertMany(contribs as never);
  const t0 = Date.now();
  const r = await client(() => svc.base)('POST', `/markets/${market}/settlements/cutoff`, { body: { businessDay: day }, token: adminToken() });
  const t1 = Date.now();
  console.log('cutoff', r.status, r.body.batch?.lineCount, t1 - t0, 'ms');
  await waitFor(async () => (await conn.collection('lines').countDocuments({ state: 'paid' })) === N, { timeoutMs: 280_000, intervalMs: 500 });
  console.log('all paid', Date.now() - t1, 'ms', sim.payouts().length);
  await conn.dropDatabase(); await conn.close(); await svc.stop(); await sim.stop();
});
