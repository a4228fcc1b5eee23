/**
 * market-insights end to end, against the real Kafka broker and the MongoDB-wire server: a scripted market's events
 * go into the (prefixed) topics, the service runs in-process, and every statistics route must answer the numbers the
 * script computes on its own (test/script.ts), in JSON and in CSV. Then the alerts with an injected clock,
 * authorization, and redelivery straight into the projections.
 */
import type { Producer } from 'kafkajs';
import type { Connection } from 'mongoose';
import { createTokenIssuer, loadAuthConfig } from '@marketqr/auth';
import {
  createEvent,
  merchantLoginAttackV1,
  paymentFlaggedV1,
  qrCheckFlaggedV1,
  qrReportedV1,
  topicFor,
  type KnownEvent,
} from '@marketqr/contracts';
import { createIdempotentProducer, createKafka } from '@marketqr/messaging';
import { createLogger, type RunningService } from '@marketqr/service-kit';
import { testInfra, uniqueName, waitFor, waitForProgress } from '@marketqr/test-harness';
import { AlertService } from '../src/alerts/alerts.service';
import { createProjections } from '../src/projections/insights.consumer';
import { registerStore } from '../src/store/models';
import {
  addDays,
  adoptionExpected,
  at,
  buildScript,
  categoryOf,
  hoursExpected,
  KHAC,
  NENH,
  paymentCols,
  payersExpected,
  paymentsSeries,
  STALLS,
  stallsExpected,
  TODAY,
  type Script,
} from './script';
import { parseCsv } from './csv';
import { consumerProgress, startInsights } from './service';

const JWT_SECRET = 'market-insights-test-secret-at-least-32-chars';
const SALT = 'market-insights-test-payer-salt';
const prefix = `${uniqueName('mi')}.`;
const dbName = uniqueName('test_insights');
const logger = createLogger('market-insights', process.env.TEST_LOG_LEVEL ?? 'silent');

let now = new Date(at(TODAY, 5));
let svc: RunningService;
let base: string;
let producer: Producer;
let db: Connection;
let script: Script;
const tokens: Record<'admin' | 'nenh' | 'khac' | 'vendor', string> = { admin: '', nenh: '', khac: '', vendor: '' };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

async function get(path: string, token: string | null = tokens.admin, accept?: string) {
  const res = await fetch(`${base}${path}`, {
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(accept ? { accept } : {}) },
  });
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    type,
    disposition: res.headers.get('content-disposition'),
    body: (type.includes('json') ? await res.json() : undefined) as Json,
    // Response.text() would drop the byte order mark: decode keeping it, to see what Excel sees.
    text: type.includes('csv') ? new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer()) : '',
  };
}

async function post(path: string, token: string) {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as Json };
}

async function produce(events: KnownEvent[]) {
  const byTopic = new Map<string, { key: string; value: string }[]>();
  for (const e of events) {
    const topic = prefix + topicFor(e.type, e.version).name;
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), { key: e.aggregateId, value: JSON.stringify(e) }]);
  }
  for (const [topic, messages] of byTopic) await producer.send({ topic, messages });
}

let progress: ReturnType<typeof consumerProgress>;
async function produceAndWait(events: KnownEvent[], what: string) {
  await produce(events);
  // Hundreds of events: wait while the consumer makes progress, however slowly, until it has committed them all.
  await waitForProgress(() => progress.committed(), await progress.end(), { what });
}

beforeAll(async () => {
  const { kafkaBrokers } = testInfra();
  script = buildScript();
  ({ svc, base, db } = await startInsights({
    clock: () => now,
    dbName,
    prefix,
    jwtSecret: JWT_SECRET,
    payerSalt: SALT,
    logger,
    env: {
      ALERT_EVAL_INTERVAL_MS: '100',
      ALERT_PROFILE_TTL_MS: '0',
      ALERT_HISTORY_DAYS: '14',
      ALERT_USUAL_MIN_DAYS: '4',
      ALERT_STOPPED_HOURS: '3',
      INSIGHTS_CONSUMER_CONCURRENCY: '6',
    },
  }));

  const issuer = createTokenIssuer(loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET }, { issuer: true }));
  tokens.admin = issuer.issue({ role: 'admin', sub: 'usr-admin' }).token;
  tokens.nenh = issuer.issue({ role: 'market_manager', sub: 'usr-bql-nenh', marketId: NENH.id }).token;
  tokens.khac = issuer.issue({ role: 'market_manager', sub: 'usr-bql-khac', marketId: KHAC.id }).token;
  tokens.vendor = issuer.issue({ role: 'vendor', sub: 'usr-st-01', merchantId: 'st-01', marketId: NENH.id }).token;

  const kafka = createKafka({ brokers: kafkaBrokers, clientId: 'insights-test', logger });
  producer = createIdempotentProducer(kafka);
  await producer.connect();

  progress = consumerProgress(kafka, prefix);
  await progress.connect();
  // Phases: what the service must have handled before the next phase's events make sense (see script.ts).
  await produceAndWait(script.phase1, 'merchant and QR events handled');
  await produceAndWait(script.phase2, 'payments, settlement and ledger events handled');
  await produceAndWait(script.phase3, 'reallocations, reversal and redeliveries handled');
  // Balances and payment counts guard themselves: the consumer keeps no processed-event records for them.
  const recorded = await db
    .collection('processed_events')
    .countDocuments({ consumer: 'market-insights', type: { $in: ['payment.confirmed', 'ledger.entry-posted'] } });
  expect(recorded).toBe(0);
  expect(await db.collection('processed_events').countDocuments({ consumer: 'market-insights' })).toBeGreaterThan(0);
});

afterAll(async () => {
  await progress?.disconnect();
  await producer?.disconnect();
  await svc?.stop();
  await db?.dropDatabase().catch(() => undefined);
  await db?.close();
});

const nenhStalls = STALLS.filter((s) => s.market.id === NENH.id);
const nenhPayments = () => script.payments.filter((p) => p.market === NENH.id);

type Lang = 'vi' | 'en';
/** What a cell of a column reads in a CSV for people, from its JSON value; the rest are written as they are. */
type ForPeople = Record<string, (value: unknown, lang: Lang) => string>;

const words =
  (names: Record<string, [vi: string, en: string]>) =>
  (value: unknown, lang: Lang): string =>
    value === null ? '' : (names[String(value)]?.[lang === 'vi' ? 0 : 1] ?? String(value));
/** Written out here, not imported: the names the web pages show. */
const CATEGORY = words({
  meat: ['Thịt', 'Meat'],
  dry_goods: ['Hàng khô', 'Dry goods'],
  clothing: ['Quần áo', 'Clothing'],
});
const STALL_STATUS = words({
  active: ['Đang hoạt động', 'Active'],
  suspended: ['Tạm ngừng', 'Suspended'],
  pending_verification: ['Đang xác minh tài khoản', 'Verifying the account'],
  verified: ['Đã xác minh, chờ duyệt', 'Verified, awaiting approval'],
});
/** An ISO instant as the wall clock in Vietnam (UTC+7 all year): "2026-03-01 08:05:00". */
const vnTime = (iso: string) => new Date(Date.parse(iso) + 7 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
const LOCAL_TIME = (value: unknown) =>
  value === null ? '' : (Array.isArray(value) ? value : [value]).map((v) => vnTime(String(v))).join('; ');

/**
 * The CSV of a route is its JSON rows: the same columns in the same order, the same values as people read them. In
 * Vietnamese by default (every header translated, yes/no in words), with the JSON keys as headers with `lang=en`.
 */
async function expectCsvMatchesJson(path: string, jsonRows: Json[], forPeople: ForPeople = {}) {
  const sep = path.includes('?') ? '&' : '?';
  const keys = Object.keys(jsonRows[0]!);
  for (const lang of ['vi', 'en'] as const) {
    const query = lang === 'en' ? `${sep}lang=en` : '';
    const answers = [
      await get(`${path}${sep}format=csv${lang === 'en' ? '&lang=en' : ''}`),
      await get(`${path}${query}`, tokens.admin, 'text/csv'),
    ];
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/csv; charset=utf-8');
      expect(res.disposition).toMatch(/^attachment; filename=".+\.csv"$/);
      const [header, ...rows] = parseCsv(res.text);
      if (lang === 'en') expect(header).toEqual(keys);
      else {
        expect(header).toHaveLength(keys.length);
        expect(header!.filter((h, i) => h === keys[i])).toEqual([]);
      }
      const cell = (key: string, v: unknown) => {
        if (forPeople[key]) return forPeople[key](v, lang);
        if (typeof v === 'boolean') return lang === 'vi' ? (v ? 'Có' : 'Không') : v ? 'Yes' : 'No';
        return v === null ? '' : String(v);
      };
      expect(rows).toEqual(jsonRows.map((r) => keys.map((k) => cell(k, r[k]))));
    }
  }
}

describe('statistics equal the scripted market', () => {
  const range = 'from=2025-03-01&to=2025-03-15';

  test.each([
    ['period=day&date=2025-03-15', '2025-03-15', '2025-03-15'],
    ['period=day&date=2025-03-04', '2025-03-04', '2025-03-04'],
    ['period=week&date=2025-03-12', '2025-03-10', '2025-03-16'],
    ['period=month&date=2025-03-01', '2025-03-01', '2025-03-31'],
    ['from=2025-03-01&to=2025-03-09', '2025-03-01', '2025-03-09'],
    ['', TODAY, TODAY],
  ])('adoption (%s)', async (query, from, to) => {
    const res = await get(`/markets/${NENH.id}/stats/adoption?${query}`, tokens.nenh);
    expect(res.status).toBe(200);
    expect(res.body.scope).toEqual({ level: 'market', marketId: NENH.id, marketName: NENH.name });
    expect(res.body.period).toEqual({ from, to, days: expect.any(Number), asOf: to > TODAY ? TODAY : to });
    expect(res.body.rows).toEqual([adoptionExpected(nenhStalls, nenhPayments(), from, to)]);
  });

  test('adoption as of today, spelled out', async () => {
    const [row] = (await get(`/markets/${NENH.id}/stats/adoption?period=day&date=${TODAY}`)).body.rows;
    // 10 registered; st-09 pending and st-10 suspended are not active; st-04's poster was revoked, st-08/09 never had
    // one; st-06 last paid on the 5th (and the suspense payment of the 14th reallocated to it), st-08 never.
    expect(row).toMatchObject({ registered: 10, active: 8, withPrintedQr: 7 });
    expect(row.activeWithPayment30d).toBe(7);
    // One figure over one set of stalls: the active ones paid in the 7 days to the 15th (st-06 through the payment
    // reallocated to it on the 14th), of the active ones.
    expect(row.activeWithPayment7d).toBe(7);
    expect(row.adoptionRate).toBe(0.875);
  });

  test('adoption day by day in one request: each row is that day’s adoption table', async () => {
    const from = addDays(TODAY, -13);
    const series = (await get(`/markets/${NENH.id}/stats/adoption-days?from=${from}&to=${TODAY}`)).body.rows;
    expect(series.map((r: Json) => r.day)).toEqual(Array.from({ length: 14 }, (_, i) => addDays(from, i)));
    for (const { day, ...row } of series) {
      const [one] = (await get(`/markets/${NENH.id}/stats/adoption?period=day&date=${day}`)).body.rows;
      expect(row).toEqual(one);
    }
  });

  test('payments per day, with totals; dynamic share and average ticket', async () => {
    const res = await get(`/markets/${NENH.id}/stats/payments?${range}`);
    expect(res.body.rows).toEqual(paymentsSeries(nenhPayments(), '2025-03-01', '2025-03-15'));
    expect(res.body.totals).toEqual(paymentCols(nenhPayments()));
    // The redelivered events, the underpaid-then-confirmed payment and the reversal each count once (or not at all).
    expect(res.body.totals.paymentCount).toBe(nenhPayments().length);
    expect(res.body.totals.dynamicCount).toBeGreaterThan(0);
    await expectCsvMatchesJson(`/markets/${NENH.id}/stats/payments?${range}`, res.body.rows);
  });

  test.each([
    ['from=2025-03-01&to=2025-03-15', '2025-03-01', '2025-03-15'],
    ['period=day&date=2025-03-12', '2025-03-12', '2025-03-12'],
  ])('zones and categories (%s)', async (query, from, to) => {
    const zones = await get(`/markets/${NENH.id}/stats/zones?${query}`);
    expect(zones.body.rows).toEqual(
      ['Khu A', 'Khu B – Thịt cá'].map((zone) => ({
        zone,
        ...adoptionExpected(
          nenhStalls.filter((s) => s.zone === zone),
          nenhPayments(),
          from,
          to,
        ),
      })),
    );
    expect(zones.body.totals).toEqual(adoptionExpected(nenhStalls, nenhPayments(), from, to));
    await expectCsvMatchesJson(`/markets/${NENH.id}/stats/zones?${query}`, zones.body.rows);

    const categories = await get(`/markets/${NENH.id}/stats/categories?${query}`);
    const names = [...new Set(nenhStalls.map(categoryOf))].sort();
    expect(categories.body.rows).toEqual(
      names.map((category) => ({
        category,
        ...adoptionExpected(
          nenhStalls.filter((s) => categoryOf(s) === category),
          nenhPayments(),
          from,
          to,
        ),
      })),
    );
    expect(categories.body.rows.map((r: Json) => r.category)).not.toContain('prepared_food'); // st-08 moved
    await expectCsvMatchesJson(`/markets/${NENH.id}/stats/categories?${query}`, categories.body.rows, {
      category: CATEGORY,
    });
  });

  test.each([
    ['2025-03-01', '2025-03-15'],
    ['2025-03-04', '2025-03-04'],
    ['2025-03-10', '2025-03-16'],
  ])('per stall %s … %s', async (from, to) => {
    const res = await get(`/markets/${NENH.id}/stats/stalls?from=${from}&to=${to}`, tokens.nenh);
    expect(res.body.rows).toEqual(stallsExpected(nenhStalls, nenhPayments(), from, to));
    await expectCsvMatchesJson(`/markets/${NENH.id}/stats/stalls?from=${from}&to=${to}`, res.body.rows, {
      category: CATEGORY,
      status: STALL_STATUS,
    });
  });

  test('busiest hours, bucketed in Asia/Ho_Chi_Minh from paidAt', async () => {
    const res = await get(`/markets/${NENH.id}/stats/hours?${range}`);
    const expected = hoursExpected(nenhPayments(), '2025-03-01', '2025-03-15');
    expect(res.body.rows).toEqual(expected);
    const max = Math.max(...expected.map((h) => h.paymentCount));
    expect(res.body.busiestHour).toBe(expected.find((h) => h.paymentCount === max)!.hour);
    // The payment made at 00:30 on the 14th (17:30Z on the 13th) is in hour 0 of the 14th.
    const day = await get(`/markets/${NENH.id}/stats/hours?period=day&date=2025-03-14`);
    expect(day.body.rows[0]).toEqual(hoursExpected(nenhPayments(), '2025-03-14', '2025-03-14')[0]);
    expect(day.body.rows[0].paymentCount).toBeGreaterThanOrEqual(1);
    await expectCsvMatchesJson(`/markets/${NENH.id}/stats/hours?${range}`, res.body.rows);
  });

  test.each([
    ['2025-03-08', '2025-03-15'],
    ['2025-03-01', '2025-03-15'],
  ])('new vs returning payers %s … %s', async (from, to) => {
    const res = await get(`/markets/${NENH.id}/stats/payers?from=${from}&to=${to}`);
    const facts = script.payerFacts.filter((f) => f.market === NENH.id);
    const expected = payersExpected(facts, nenhPayments(), from, to);
    expect(res.body.rows).toEqual(expected.rows);
    expect(res.body.totals).toEqual(expected.totals);
    await expectCsvMatchesJson(`/markets/${NENH.id}/stats/payers?from=${from}&to=${to}`, res.body.rows);
  });

  test('settlement totals and fees, payable balance from the ledger', async () => {
    const res = await get(`/markets/${NENH.id}/stats/settlement?from=2025-03-13&to=2025-03-15`);
    const zero = {
      batchedLines: 0,
      batchedGross: 0,
      batchedFee: 0,
      batchedNet: 0,
      paidLines: 0,
      paidGross: 0,
      paidFee: 0,
      paidCharges: 0,
      paidNet: 0,
      failedAttempts: 0,
    };
    const day14 = {
      batchedLines: 4,
      batchedGross: 1_100_000,
      batchedFee: 5_500,
      batchedNet: 1_094_500,
      paidLines: 3,
      paidGross: 1_000_000,
      paidFee: 5_000,
      paidCharges: 20_000,
      paidNet: 497_500 + 278_500 + 199_000,
      failedAttempts: 3,
    };
    expect(res.body.rows).toEqual([
      { day: '2025-03-13', ...zero },
      { day: '2025-03-14', ...day14 },
      { day: '2025-03-15', ...zero },
    ]);
    expect(res.body.totals).toEqual(day14);
    expect(res.body.payableBalanceNow).toBe(120_000 + 80_000);
    await expectCsvMatchesJson(`/markets/${NENH.id}/stats/settlement?from=2025-03-13&to=2025-03-15`, res.body.rows);
  });

  test('province: every market, payers counted once across markets', async () => {
    const adoption = await get(`/province/stats/adoption?${range}`);
    expect(adoption.body.scope).toEqual({ level: 'province', markets: 2 });
    expect(adoption.body.rows).toEqual([adoptionExpected(STALLS, script.payments, '2025-03-01', '2025-03-15')]);

    const markets = await get(`/province/stats/markets?${range}`);
    expect(markets.body.rows).toEqual(
      [NENH, KHAC]
        .sort((a, b) => a.id.localeCompare(b.id))
        .map((m) => ({
          marketId: m.id,
          marketName: m.name,
          ...adoptionExpected(
            STALLS.filter((s) => s.market.id === m.id),
            script.payments,
            '2025-03-01',
            '2025-03-15',
          ),
        })),
    );
    await expectCsvMatchesJson(`/province/stats/markets?${range}`, markets.body.rows);

    const payers = await get(`/province/stats/payers?from=2025-03-14&to=2025-03-15`);
    const expected = payersExpected(script.payerFacts, script.payments, '2025-03-14', '2025-03-15');
    expect(payers.body.totals).toEqual(expected.totals);
    expect(payers.body.rows).toEqual(expected.rows);

    const payments = await get(`/province/stats/payments?${range}`);
    expect(payments.body.totals).toEqual(paymentCols(script.payments));

    const zones = await get(`/province/stats/zones?${range}`);
    expect(zones.body.rows.map((r: Json) => [r.marketId, r.zone])).toEqual([
      [KHAC.id, 'Khu C'],
      [NENH.id, 'Khu A'],
      [NENH.id, 'Khu B – Thịt cá'],
    ]);
  });

  test('CSV keeps Vietnamese intact and defaults to JSON otherwise', async () => {
    const csv = await get(`/markets/${NENH.id}/stats/zones?${range}&format=csv`);
    expect(Buffer.from(csv.text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.text).toContain('Khu B – Thịt cá');
    expect((await get(`/markets/${NENH.id}/stats/zones?${range}`, tokens.admin, '*/*')).type).toMatch(/json/);
  });

  test('CSV for a market manager in Excel: BOM, Vietnamese headers, category and vendor names', async () => {
    const payments = await get(`/markets/${NENH.id}/stats/payments?${range}&format=csv`, tokens.nenh);
    expect(Buffer.from(payments.text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(parseCsv(payments.text)[0]).toEqual([
      'Ngày',
      'Số giao dịch',
      'Tổng tiền (đồng)',
      'Trung bình mỗi giao dịch (đồng)',
      'Giao dịch QR động',
      'Tiền QR động (đồng)',
      'Giao dịch QR tĩnh',
      'Tiền QR tĩnh (đồng)',
      'Tỷ lệ QR động',
    ]);
    const [header, ...rows] = parseCsv(
      (await get(`/markets/${NENH.id}/stats/stalls?${range}&format=csv`, tokens.nenh)).text,
    );
    expect(header!.slice(0, 6)).toEqual(['Mã sạp (hệ thống)', 'Sạp', 'Tiểu thương', 'Khu', 'Ngành hàng', 'Trạng thái']);
    const b01 = rows.find((r) => r[1] === 'B-01')!;
    expect(b01.slice(1, 6)).toEqual(['B-01', 'Tiểu thương B-01', 'Khu B – Thịt cá', 'Thịt', 'Đang hoạt động']);
    const english = parseCsv((await get(`/markets/${NENH.id}/stats/stalls?${range}&format=csv&lang=en`)).text);
    expect(english[0]!.slice(0, 6)).toEqual(['merchantId', 'stallCode', 'vendorName', 'zone', 'category', 'status']);
    expect(english.find((r) => r[1] === 'B-01')!.slice(4, 6)).toEqual(['Meat', 'Active']);
    const bad = await get(`/markets/${NENH.id}/stats/stalls?${range}&format=csv&lang=fr`);
    expect(bad.body.error).toMatchObject({ code: 'INSIGHTS.INVALID_FORMAT', details: { field: 'lang' } });
  });

  test('bad periods and formats are refused with a stable code', async () => {
    for (const [query, field] of [
      ['from=2025-03-05&to=2025-03-01', 'from'],
      ['period=year', 'period'],
      ['from=2025-02-30&to=2025-03-01', 'from'],
      ['from=2020-01-01&to=2025-03-01', 'to'],
    ]) {
      const res = await get(`/markets/${NENH.id}/stats/payments?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'INSIGHTS.INVALID_PERIOD', details: { field } });
    }
    const format = await get(`/markets/${NENH.id}/stats/payments?format=xlsx`);
    expect(format.body.error.code).toBe('INSIGHTS.INVALID_FORMAT');
  });

  test('a market no event ever named: 404 for an admin, not a table of zeros', async () => {
    for (const table of ['adoption', 'payments', 'stalls']) {
      const res = await get(`/markets/cho-khong-co/stats/${table}`);
      expect([table, res.status, res.body.error?.code]).toEqual([table, 404, 'INSIGHTS.MARKET_NOT_FOUND']);
    }
  });
});

describe('alerts', () => {
  const alertsOf = async (query: string, token = tokens.nenh) =>
    (await get(`/markets/${NENH.id}/alerts?${query}&pageSize=100`, token)).body.items as Json[];

  test('payments stop during usual hours: raised with the injected clock, acknowledged, resolved when they resume', async () => {
    // 05:00: no usual hour has passed yet today.
    expect(await alertsOf('kind=payments_stopped')).toEqual([]);

    now = new Date(at(TODAY, 10, 30));
    // st-01 was paid at 6, 7, 8, 9 every day for two weeks; today only at 6. st-02 likewise, but paid at 8 and 9.
    const raised = await waitFor(
      async () => (await alertsOf('kind=payments_stopped&status=open')).find((a) => a.merchantId === 'st-01'),
      { what: 'stopped-payments alert for st-01' },
    );
    expect(raised).toMatchObject({
      kind: 'payments_stopped',
      severity: 'high',
      status: 'open',
      marketId: NENH.id,
      stallCode: 'A-01',
      zone: 'Khu A',
      link: '/manager/stalls/st-01',
      raisedAt: now.toISOString(),
      details: { day: TODAY, usualHours: [6, 7, 8, 9], silentHours: [7, 8, 9], startHour: 7 },
    });
    expect((await alertsOf('kind=payments_stopped')).some((a) => a.merchantId === 'st-02')).toBe(false);

    const ack = await post(`/alerts/${raised.id}/acknowledge`, tokens.nenh);
    expect(ack.status).toBe(200);
    expect(ack.body.alert).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'usr-bql-nenh' });
    expect((await post(`/alerts/${raised.id}/acknowledge`, tokens.nenh)).body.alert.status).toBe('acknowledged');

    await produce([script.resumePayment()]);
    now = new Date(at(TODAY, 10, 45));
    const resolved = await waitFor(
      async () =>
        (await get(`/alerts/${raised.id}`, tokens.nenh)).body.alert.status === 'resolved' &&
        (await get(`/alerts/${raised.id}`, tokens.nenh)).body.alert,
      { what: 'the alert resolved once payments resumed' },
    );
    expect(resolved).toMatchObject({ resolution: 'payments_resumed', acknowledgedBy: 'usr-bql-nenh' });
    const late = await post(`/alerts/${raised.id}/acknowledge`, tokens.nenh);
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('INSIGHTS.ALERT_RESOLVED');
  });

  test('suspense payments: open until reallocated', async () => {
    const suspense = await alertsOf('kind=payment_in_suspense');
    const byPayment = new Map(suspense.map((a) => [a.details.paymentId, a]));
    expect(byPayment.get('pay-susp-1')).toMatchObject({ status: 'resolved', resolution: 'reallocated' });
    expect(byPayment.get('pay-susp-2')).toMatchObject({
      status: 'open',
      severity: 'medium',
      link: '/manager/suspense/pay-susp-2',
      details: { amount: 30_000, reason: 'unmatched' },
    });
    expect(byPayment.get('pay-susp-2')!.title).toContain('30.000 đ');
  });

  test('an unknown poster reported by the genuine-QR check: one alert per payload, however many shoppers report it', async () => {
    const flagged = (checkId: string) =>
      createEvent(qrCheckFlaggedV1, {
        aggregateId: NENH.id,
        producer: 'qr-generation',
        data: {
          checkId,
          verdict: 'UNKNOWN_ACCOUNT',
          merchantId: null,
          marketId: null,
          reportedMarketId: NENH.id,
          stallCode: null,
          qrId: null,
          bin: '970422',
          accountNumber: '0999888777',
          payloadHash: 'a'.repeat(64),
          input: 'image',
          checkedAt: new Date().toISOString(),
        },
      }) as KnownEvent;
    const reports = [flagged('chk_fake_1'), flagged('chk_fake_2')];
    await produce(reports);
    const alert = await waitFor(async () => (await alertsOf('kind=unknown_poster'))[0], {
      what: 'unknown-poster alert',
    });
    expect(alert).toMatchObject({
      kind: 'unknown_poster',
      severity: 'high',
      status: 'open',
      marketId: NENH.id,
      details: { verdict: 'UNKNOWN_ACCOUNT', account: '970422/0999888777', bank: 'MBBank' },
    });
    // The alert's own page (the manager's alerts tab, focused on it), not the overview.
    expect(alert.link).toBe(`/manager/alerts/${alert.id}`);
    expect(alert.title).toContain('Mã QR lạ');
    const ids = reports.map((r) => r.eventId);
    await waitFor(
      async () => (await db.collection('processed_events').countDocuments({ eventId: { $in: ids } })) === 2,
      { what: 'both reports handled' },
    );
    const [grouped, ...others] = await alertsOf('kind=unknown_poster');
    expect(others).toHaveLength(0);
    expect(grouped!.occurrences).toBe(2);
    expect(grouped!.occurredAt).toHaveLength(2);
  });

  test('a sticker copying a stall’s poster but paying another account: one urgent fake-QR alert for that stall, scans counted', async () => {
    const stall = STALLS.find((s) => s.market === NENH)!;
    const scan = (checkId: string, minute: number) =>
      createEvent(qrCheckFlaggedV1, {
        aggregateId: stall.id,
        producer: 'qr-generation',
        data: {
          checkId,
          verdict: 'UNKNOWN_ACCOUNT',
          // qr-generation names the stall the code imitates (its poster serial, or its code and vendor name).
          merchantId: stall.id,
          marketId: NENH.id,
          reportedMarketId: null,
          stallCode: stall.code,
          qrId: null,
          bin: '970436',
          accountNumber: '0123456789',
          payloadHash: 'f'.repeat(64),
          input: 'image',
          checkedAt: new Date(Date.UTC(2026, 2, 1, 1, minute)).toISOString(),
        },
      }) as KnownEvent;
    const scans = [scan('chk_sticker_1', 0), scan('chk_sticker_2', 5), scan('chk_sticker_3', 9)];
    await produce(scans);
    const alert = await waitFor(async () => (await alertsOf('kind=fake_qr')).find((a) => a.occurrences === 3), {
      what: 'one fake-QR alert with three scans',
    });
    expect(alert).toMatchObject({
      kind: 'fake_qr',
      severity: 'high',
      merchantId: stall.id,
      stallCode: stall.code,
      details: { accountNumber: '0123456789', bank: 'Vietcombank' },
    });
    expect(alert.title).toBe(
      `Mã QR giả nhái sạp ${stall.code}: tiền chuyển vào tài khoản 0123456789 (Vietcombank), không phải của sạp`,
    );
    expect(alert.occurredAt).toEqual(scans.map((e) => (e.data as { checkedAt: string }).checkedAt));
    expect(await alertsOf('kind=fake_qr')).toHaveLength(1);
  });

  test('shoppers report a fake sticker from the warning: one urgent alert of its own, every report counted', async () => {
    const stall = STALLS.find((s) => s.market === NENH)!;
    const report = (checkId: string, minute: number) =>
      createEvent(qrReportedV1, {
        aggregateId: stall.id,
        producer: 'qr-generation',
        data: {
          checkId,
          verdict: 'UNKNOWN_ACCOUNT',
          merchantId: stall.id,
          marketId: NENH.id,
          reportedMarketId: null,
          stallCode: stall.code,
          imitates: true,
          bin: '970436',
          accountNumber: '0123456789',
          payloadHash: 'e'.repeat(64),
          checkedAt: new Date(Date.UTC(2026, 2, 1, 2, minute)).toISOString(),
          reportedAt: new Date(Date.UTC(2026, 2, 1, 2, minute + 1)).toISOString(),
        },
      }) as KnownEvent;
    const reports = [report('chk_report_1', 0), report('chk_report_2', 10)];
    await produce(reports);
    const alert = await waitFor(async () => (await alertsOf('kind=qr_reported')).find((a) => a.occurrences === 2), {
      what: 'one reported-QR alert with two reports',
    });
    expect(alert).toMatchObject({
      kind: 'qr_reported',
      severity: 'high',
      merchantId: stall.id,
      stallCode: stall.code,
      details: { accountNumber: '0123456789', bank: 'Vietcombank', verdict: 'UNKNOWN_ACCOUNT' },
    });
    expect(alert.title).toBe(
      `Khách báo mã QR giả tại sạp ${stall.code}: tiền chuyển vào tài khoản 0123456789 (Vietcombank), không phải của sạp`,
    );
    expect(alert.occurredAt).toEqual(reports.map((e) => (e.data as { reportedAt: string }).reportedAt));
    expect(alert.link).toBe(`/manager/alerts/${alert.id}`);
  });

  test('another stall’s order code on a stall’s account: counted for that stall, and a high alert for the manager', async () => {
    const event = createEvent(paymentFlaggedV1, {
      aggregateId: 'st-k1',
      producer: 'payment-ledger',
      data: {
        paymentId: 'pay-other-code-1',
        reason: 'order_code_of_other_stall',
        creditedTo: 'stall',
        merchantId: 'st-k1',
        marketId: KHAC.id,
        amount: 70_000,
        currency: 'VND',
        expectedAmount: null,
        bankTransactionId: 'FT-other-code-1',
        qrId: null,
        orderCode: null,
        payerName: null,
        description: 'thanh toan MQ7K3M9QX2',
        paidAt: new Date().toISOString(),
        businessDay: '2025-03-15',
      },
    }) as KnownEvent;
    await produce([event]);
    const alert = await waitFor(
      async () =>
        (
          (await get(`/markets/${KHAC.id}/alerts?kind=order_code_of_other_stall`, tokens.khac)).body.items as Json[]
        ).find((a) => a.merchantId === 'st-k1'),
      { what: 'the order-code alert' },
    );
    expect(alert).toMatchObject({
      severity: 'high',
      status: 'open',
      marketId: KHAC.id,
      details: { paymentId: 'pay-other-code-1', amount: 70_000, reason: 'order_code_of_other_stall' },
    });
    expect(alert.title).toContain('mã QR giả');
  });

  test('a PIN being guessed on a vendor’s account: a high alert for the market’s managers, one per window', async () => {
    const attack = (eventNo: number) =>
      createEvent(merchantLoginAttackV1, {
        aggregateId: 'st-k1',
        producer: 'merchant-onboarding',
        data: {
          userId: 'usr-k1',
          role: 'vendor',
          merchantId: 'st-k1',
          marketId: KHAC.id,
          accountHint: '******4321',
          failures: 20 + eventNo,
          windowStartedAt: '2025-03-15T02:00:00.000Z',
          detectedAt: new Date().toISOString(),
        },
      }) as KnownEvent;
    const reports = [attack(0), attack(1)];
    await produce(reports);
    const listed = async () =>
      (await get(`/markets/${KHAC.id}/alerts?kind=login_attack`, tokens.khac)).body.items as Json[];
    const alert = await waitFor(async () => (await listed())[0], { what: 'the login-attack alert' });
    expect(alert).toMatchObject({ kind: 'login_attack', severity: 'high', merchantId: 'st-k1', status: 'open' });
    expect(alert.title).toContain('******4321');
    const ids = reports.map((r) => r.eventId);
    await waitFor(
      async () => (await db.collection('processed_events').countDocuments({ eventId: { $in: ids } })) === 2,
      { what: 'both reports handled' },
    );
    expect(await listed()).toHaveLength(1);
  });

  test('settlement lines needing attention: non-retryable failures, resolved once paid', async () => {
    const lines = new Map((await alertsOf('kind=settlement_failed')).map((a) => [a.details.settlementLineId, a]));
    expect(lines.get('sl-st-05-0314')).toMatchObject({
      status: 'resolved',
      resolution: 'line_paid',
      merchantId: 'st-05',
    });
    expect(lines.get('sl-st-06-0314')).toMatchObject({
      status: 'open',
      link: '/manager/settlement-lines/sl-st-06-0314',
      details: { reasonCode: 'account_closed', retryable: false },
    });
    // A first retryable failure is the bank's business, not a manager's.
    expect(lines.has('sl-st-02-0314')).toBe(false);
  });

  test('lists by status, for the province too, and as CSV', async () => {
    const open = await alertsOf('status=open');
    expect(open.every((a) => a.status === 'open')).toBe(true);
    expect((await alertsOf('status=unresolved')).length).toBeGreaterThanOrEqual(open.length);
    const province = await get('/province/alerts?status=resolved&pageSize=100');
    expect(province.body.items.map((a: Json) => a.resolution)).toEqual(
      expect.arrayContaining(['payments_resumed', 'reallocated', 'line_paid']),
    );
    const all = await get(`/markets/${NENH.id}/alerts?pageSize=100`, tokens.nenh);
    expect(all.body.total).toBe(all.body.items.length);
    await expectCsvMatchesJson(
      `/markets/${NENH.id}/alerts`,
      all.body.items.map((a: Json) => ({ ...a, details: JSON.stringify(a.details) })),
      {
        kind: words({
          payments_stopped: ['Sạp ngừng nhận tiền QR', 'QR payments stopped'],
          payment_in_suspense: ['Khoản tiền chưa rõ sạp', 'Payment in suspense'],
          settlement_failed: ['Chi trả thất bại', 'Payout failed'],
          unknown_poster: ['Mã QR in không có trong hệ thống', 'Unknown poster'],
          fake_qr: ['Mã QR giả', 'Fake QR'],
        }),
        severity: words({ high: ['Khẩn', 'Urgent'], medium: ['Chú ý', 'Attention'] }),
        status: words({
          open: ['Đang mở', 'Open'],
          acknowledged: ['Đang có người xử lý', 'Someone is on it'],
          resolved: ['Đã xong', 'Resolved'],
        }),
        resolution: words({
          payments_resumed: ['Sạp nhận tiền lại', 'Payments resumed'],
          reallocated: ['Đã chuyển cho sạp', 'Reallocated'],
          line_paid: ['Đã chi trả', 'Paid'],
          stall_not_active: ['Sạp không còn hoạt động', 'Stall no longer active'],
        }),
        raisedAt: LOCAL_TIME,
        acknowledgedAt: LOCAL_TIME,
        resolvedAt: LOCAL_TIME,
        occurredAt: LOCAL_TIME,
      },
    );
    // The fake sticker's scans at 01:00, 01:05, 01:09 UTC: what the market's clock said.
    const [head, ...rows] = parseCsv(
      (await get(`/markets/${NENH.id}/alerts?format=csv&kind=fake_qr`, tokens.nenh)).text,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]![head!.indexOf('Các thời điểm')]).toBe(
      '2026-03-01 08:00:00; 2026-03-01 08:05:00; 2026-03-01 08:09:00',
    );
    expect(rows[0]![head!.indexOf('Loại')]).toBe('Mã QR giả');
    expect((await get(`/markets/${NENH.id}/alerts?status=closed`, tokens.nenh)).body.error.code).toBe(
      'INSIGHTS.INVALID_QUERY',
    );
  });
});

describe('authorization', () => {
  test('managers see their own market only; the province is for admins; vendors see none', async () => {
    const forbidden = [
      [`/markets/${NENH.id}/stats/adoption`, tokens.khac],
      [`/markets/${NENH.id}/stats/payments?format=csv`, tokens.khac],
      [`/markets/${NENH.id}/alerts`, tokens.khac],
      ['/province/stats/adoption', tokens.nenh],
      ['/province/alerts', tokens.nenh],
      [`/markets/${NENH.id}/stats/zones`, tokens.vendor],
    ] as const;
    for (const [path, token] of forbidden) {
      const res = await get(path, token);
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({
        path,
        status: 403,
        code: 'AUTH.FORBIDDEN',
      });
    }
    expect((await get(`/markets/${NENH.id}/stats/adoption`, null)).status).toBe(401);
    expect((await get(`/markets/${KHAC.id}/stats/adoption`, tokens.khac)).status).toBe(200);

    const [alert] = await (async () =>
      (await get(`/markets/${NENH.id}/alerts?status=open`, tokens.nenh)).body.items as Json[])();
    expect((await post(`/alerts/${alert!.id}/acknowledge`, tokens.khac)).status).toBe(403);
    expect((await get(`/alerts/${alert!.id}`, tokens.khac)).status).toBe(403);
    expect((await post('/alerts/al_000000000000000000000000/acknowledge', tokens.admin)).body.error.code).toBe(
      'INSIGHTS.ALERT_NOT_FOUND',
    );
  });
});

describe('redelivery straight into the projections', () => {
  test('handling every payment, settlement and merchant event again changes nothing', async () => {
    const store = registerStore(db);
    const alerts = new AlertService(store);
    const p = createProjections({ store, alerts, payerSalt: SALT, settlementAlertFromAttempt: 3 });
    const snapshot = async () => {
      const out: Record<string, unknown[]> = {};
      for (const name of [
        'stall_days',
        'stall_day_adjustments',
        'payer_days',
        'payment_facts',
        'settlement_days',
        'market_settlement_days',
        'stalls',
        'stall_qrs',
      ]) {
        out[name] = await db
          .collection(name)
          .find({}, { projection: { appliedEventIds: 0, countedAt: 0 } })
          .sort({ _id: 1 })
          .toArray();
      }
      return out;
    };
    const before = await snapshot();
    // As the consumer would after a crash between effect and marker: the same events, handled again, in order.
    const replay = [...script.phase1, ...script.phase2, ...script.phase3];
    for (const e of replay) {
      switch (e.type) {
        case 'payment.confirmed':
          await p.payments.confirmed(e);
          break;
        case 'payment.flagged':
          await p.payments.flagged(e);
          break;
        case 'payment.reversed':
          await p.payments.reversed(e);
          break;
        case 'payment.reallocated':
          await p.payments.reallocated(e);
          break;
        case 'settlement.batch-created':
          await p.settlement.batchCreated(e);
          break;
        case 'settlement.paid':
          await p.settlement.paid(e);
          break;
        case 'qr.issued':
          await p.qrs.issued(e);
          break;
        case 'merchant.activated':
        case 'merchant.registered':
          await p.merchants.apply(e);
          break;
      }
    }
    expect(await snapshot()).toEqual(before);

    // The crash window: the counters were updated but the process died before the payment's fact was written.
    // The redelivered event finds no fact; the counter update is refused by applyOnce, and the fact is written.
    const victim = script.phase2.find((e) => e.type === 'payment.confirmed' && e.data.paymentId === 'pay-0003')!;
    await db.collection('payment_facts').deleteOne({ _id: 'pay-0003' as never });
    if (victim.type === 'payment.confirmed') await p.payments.confirmed(victim);
    expect(await snapshot()).toEqual(before);

    // The same as runs (what the consumer hands the batch path): every confirmed payment again in one run changes
    // nothing, and neither does a run in which some payments lost their fact in the crash window while others of the
    // same stall-day did not.
    const confirmed = replay.flatMap((e) => (e.type === 'payment.confirmed' ? [e] : []));
    await p.payments.confirmedMany(confirmed);
    expect(await snapshot()).toEqual(before);
    const lost = confirmed.slice(0, 3).map((e) => e.data.paymentId);
    await db.collection('payment_facts').deleteMany({ _id: { $in: lost as never[] } });
    await p.payments.confirmedMany([...confirmed].reverse());
    expect(await snapshot()).toEqual(before);
  });
});

test('every route is in the OpenAPI document', async () => {
  const doc = (await get('/openapi.json', null)).body;
  for (const path of [
    '/markets/{marketId}/stats/{table}',
    '/province/stats/{table}',
    '/markets/{marketId}/alerts',
    '/province/alerts',
    '/alerts/{alertId}/acknowledge',
  ])
    expect(Object.keys(doc.paths)).toContain(path);
  // The statistics tables are one route a level, the table a path parameter (routes as data: one spec each).
  const tables = (path: string) =>
    (doc.paths[path].get.parameters as Json[]).find((p) => p.name === 'table')!.schema.enum as string[];
  expect(tables('/markets/{marketId}/stats/{table}')).toEqual(
    expect.arrayContaining(['adoption', 'payments', 'zones', 'categories', 'hours', 'payers', 'settlement', 'stalls']),
  );
  expect(tables('/province/stats/{table}')).toEqual(expect.arrayContaining(['adoption', 'markets']));
  expect(doc.paths['/markets/{marketId}/stats/{table}'].get.responses['200'].content['text/csv']).toBeDefined();
});
