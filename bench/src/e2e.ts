import { execFile } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import mongoose from 'mongoose';
import { createTokenIssuer, loadAuthConfig } from '@marketqr/auth';
import { uniqueName, waitFor } from '@marketqr/test-harness';
import {
  announceStalls,
  cpuSeconds,
  freePort,
  infraCpuSeconds,
  rssMb,
  startBuilt,
  summarise,
  type ServiceProcess,
} from './support';

const JWT_SECRET = 'bench-e2e-secret-0123456789abcdefghijklmnop';
const WEBHOOK_SECRET = 'bench-e2e-webhook-secret-0123456789';
const MARKET = 'cho-bench';
const COLLECTION = '2150009999';
const PARTNER_BIN = '970418';

export interface E2eStep {
  rate: number;
  sent: number;
  acked: number;
  errors: number;
  announced: number;
  confirmedPerSecond: number;
  ackMs: ReturnType<typeof summarise>;
  toSseMs: ReturnType<typeof summarise>;
  /** From when the notification was sent (before the acknowledgement): the shopper-visible delay. */
  sentToSseMs: ReturnType<typeof summarise>;
  toSettlementMs: ReturnType<typeof summarise>;
  seconds: number;
  /** Payments acknowledged but not yet recorded by settlement when the step's announcements were in. */
  settlementBehind: number;
  /** Share of one core each process used during the step (1 = a whole core). */
  cpu: Record<string, number>;
  /** Where the services waited on the database during the step: the costliest command/collection pairs. */
  database: DbTime[];
}

/** Time spent in one database command on one collection by one service during a step. */
export interface DbTime {
  service: string;
  command: string;
  collection: string;
  count: number;
  seconds: number;
}

/** A signed notification in the bank simulator's own format, exactly as the simulator sends it. */
function signed(body: unknown) {
  const raw = JSON.stringify(body);
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = createHmac('sha256', WEBHOOK_SECRET).update(`${ts}.${raw}`).digest('hex');
  return {
    raw,
    headers: {
      'content-type': 'application/json',
      'x-marketqr-timestamp': ts,
      'x-marketqr-signature': `sha256=${sig}`,
    },
  };
}

/** Reads a payment stream (Server-Sent Events over fetch) and calls `onPayment` with each payment's description. */
async function follow(url: string, token: string, onPayment: (description: string) => void, signal: AbortSignal) {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal });
  if (!res.ok || !res.body) throw new Error(`stream ${url}: ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (!/^event: payment$/m.test(frame)) continue;
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (!data) continue;
      const description = (JSON.parse(data) as { payment?: { description?: string } }).payment?.description;
      if (description) onPayment(description);
    }
  }
}

/**
 * End to end: signed notifications at a fixed arrival rate into payment-ledger's webhook; each is matched, posted,
 * announced on the stall's SSE stream and, through Kafka, recorded by settlement (and counted by market-insights).
 * Latencies run from the webhook's acknowledgement to the vendor's SSE event and to settlement's record of it.
 */
export async function e2eBench(
  brokers: string[],
  mongoUrl: string,
  opts: { stalls: number; steps: { rate: number; seconds: number }[] },
) {
  const prefix = `${uniqueName('benche2e')}.`;
  const dbs = {
    ledger: uniqueName('bench_ledger'),
    settlement: uniqueName('bench_settlement'),
    insights: uniqueName('bench_insights'),
  };
  const common = {
    KAFKA_BROKERS: brokers.join(','),
    MONGO_URL: mongoUrl,
    KAFKA_TOPIC_PREFIX: prefix,
    JWT_SECRET,
  };
  const services: ServiceProcess[] = [];
  try {
    services.push(
      await startBuilt('payment-ledger', 'services/payment-ledger/dist/main.js', {
        ...common,
        PORT: String(freePort()),
        MONGO_DB: dbs.ledger,
        WEBHOOK_SECRET_BANKSIM: WEBHOOK_SECRET,
        COLLECTION_ACCOUNTS: `${COLLECTION}=${MARKET}`,
      }),
      await startBuilt('settlement', 'services/settlement/dist/main.js', {
        ...common,
        PORT: String(freePort()),
        MONGO_DB: dbs.settlement,
        SETTLEMENT_SCHEDULER: 'off',
      }),
      await startBuilt('market-insights', 'services/market-insights/dist/main.js', {
        ...common,
        PORT: String(freePort()),
        MONGO_DB: dbs.insights,
        INSIGHTS_PAYER_SALT: 'bench-e2e-payer-salt-0123456789',
      }),
    );
    const [ledger] = services;

    // The stalls, as merchant-onboarding would announce them.
    const stalls = Array.from({ length: opts.stalls }, (_, i) => ({
      merchantId: `bench-stall-${i}`,
      stallCode: `B-${String(i).padStart(3, '0')}`,
      virtualAccount: `96${String(10_000_000 + i)}`,
    }));
    await announceStalls(brokers, prefix, { marketId: MARKET, bin: PARTNER_BIN }, stalls);

    const issuer = createTokenIssuer(loadAuthConfig({ NODE_ENV: 'test', JWT_SECRET }, { issuer: true }));
    const tokens = new Map(
      stalls.map((s) => [
        s.merchantId,
        issuer.issue({ role: 'vendor', sub: `u-${s.merchantId}`, merchantId: s.merchantId }).token,
      ]),
    );

    let seq = 0;
    const run = randomBytes(3).toString('hex');
    const sentAt = new Map<string, { sentAt: number; ackAt?: number; sseAt?: number; txId: string }>();
    const post = async (stall: (typeof stalls)[number], amount: number) => {
      const token = `BENCH${run}N${seq++}`;
      const txId = `FT${run}${seq}`;
      const rec: { sentAt: number; ackAt?: number; sseAt?: number; txId: string } = { sentAt: performance.now(), txId };
      sentAt.set(token, rec);
      const { raw, headers } = signed({
        transactionId: txId,
        direction: 'in',
        amount,
        description: `${stall.stallCode} ${token}`,
        accountNumber: COLLECTION,
        virtualAccount: stall.virtualAccount,
        bankBin: PARTNER_BIN,
        bookedAt: new Date().toISOString(),
        counterparty: null,
      });
      const res = await fetch(`${ledger!.url}/webhooks/bank-sim`, { method: 'POST', headers, body: raw }).catch(
        () => undefined,
      );
      await res?.arrayBuffer();
      if (res?.ok) rec.ackAt = performance.now();
      return res?.ok ?? false;
    };

    // Every stall's phone listens to its stream; the first payment per stall also proves the ledger knows the stall.
    const abort = new AbortController();
    const streams = stalls.map((s) =>
      follow(
        `${ledger!.url}/stalls/${s.merchantId}/payments/stream`,
        tokens.get(s.merchantId)!,
        (description) => {
          const key = /BENCH\S+/.exec(description)?.[0];
          const rec = key ? sentAt.get(key) : undefined;
          if (rec && rec.sseAt === undefined) rec.sseAt = performance.now();
        },
        abort.signal,
      ).catch(() => undefined),
    );
    await waitFor(
      async () => {
        for (const s of stalls) await post(s, 1_000);
        await new Promise((r) => setTimeout(r, 500));
        return [...sentAt.values()].filter((r) => r.sseAt !== undefined).length >= stalls.length;
      },
      { timeoutMs: 90_000, intervalMs: 1_000, what: 'every stall known to the ledger and announced' },
    );

    const settlementDb = await mongoose.createConnection(mongoUrl, { dbName: dbs.settlement }).asPromise();
    const steps: E2eStep[] = [];
    const rss: Record<string, number> = {};
    // What the open streams cost while nothing happens: every stall's phone connected, no payments.
    const idleCpu = await cpuOver(services, 10_000);
    const idleRss = Object.fromEntries(services.map((s) => [s.name, rssMb(s.pid) ?? 0]));
    const databases = { 'payment-ledger': dbs.ledger, settlement: dbs.settlement, 'market-insights': dbs.insights };
    const docsBefore = await documentStats(mongoUrl, databases);
    let paymentsMeasured = 0;

    for (const { rate, seconds } of opts.steps) {
      sentAt.clear();
      const total = rate * seconds;
      const started = performance.now();
      const cpuStart = new Map(services.map((s) => [s.name, cpuSeconds(s.pid) ?? 0]));
      const infraStart = infraCpuSeconds();
      const benchStart = process.cpuUsage();
      const dbStart = await databaseTime(services);
      const sampler = setInterval(() => {
        for (const s of services) rss[s.name] = Math.max(rss[s.name] ?? 0, rssMb(s.pid) ?? 0);
      }, 500);
      // Open loop: the i-th notification leaves at started + i/rate, whether or not earlier ones were answered.
      const inflight: Promise<boolean>[] = [];
      for (let i = 0; i < total; i++) {
        const due = started + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        inflight.push(post(stalls[i % stalls.length]!, 10_000 + (i % 90) * 1_000));
      }
      const results = await Promise.all(inflight);
      await waitFor(() => [...sentAt.values()].every((r) => r.ackAt === undefined || r.sseAt !== undefined), {
        timeoutMs: 30_000,
        what: 'announcements of the acknowledged notifications',
      }).catch(() => undefined);
      clearInterval(sampler);
      const elapsed = (performance.now() - started) / 1000;
      const infraEnd = infraCpuSeconds();
      const benchCpu = process.cpuUsage(benchStart);
      const cpu = Object.fromEntries([
        ...services.map((s) => [s.name, ((cpuSeconds(s.pid) ?? 0) - cpuStart.get(s.name)!) / elapsed] as const),
        ...Object.entries(infraEnd).map(([k, v]) => [k, (v - infraStart[k]!) / elapsed] as const),
        // The load generator and the 500 stream readers: this process.
        ['bench', (benchCpu.user + benchCpu.system) / 1e6 / elapsed] as const,
      ]);
      const database = databaseDelta(dbStart, await databaseTime(services));
      const records = [...sentAt.values()];
      const acked = records.filter((r) => r.ackAt !== undefined);
      paymentsMeasured += acked.length;
      const announced = acked.filter((r) => r.sseAt !== undefined);
      const lastAnnounced = Math.max(...announced.map((r) => r.sseAt!));

      // Settlement's record of each payment (bank transaction id → when it was stored), against the acknowledgement.
      const wallOffset = Date.now() - performance.now();
      const ids = acked.map((r) => r.txId);
      const settlementBehind =
        ids.length -
        (await settlementDb.collection('contributions').countDocuments({ bankTransactionId: { $in: ids } }));
      await waitFor(
        async () =>
          (await settlementDb.collection('contributions').countDocuments({ bankTransactionId: { $in: ids } })) >=
          ids.length,
        { timeoutMs: 60_000, what: 'settlement to record every payment' },
      ).catch(() => undefined);
      const recorded = new Map(
        (
          await settlementDb
            .collection('contributions')
            .find({ bankTransactionId: { $in: ids } })
            .toArray()
        ).map((c) => [c.bankTransactionId as string, (c.recordedAt as Date).getTime() - wallOffset]),
      );
      steps.push({
        rate,
        seconds,
        settlementBehind,
        cpu,
        database,
        sent: total,
        acked: acked.length,
        errors: results.filter((ok) => !ok).length + (acked.length - announced.length),
        announced: announced.length,
        confirmedPerSecond: announced.length / ((lastAnnounced - started) / 1000),
        ackMs: ackLatencies(records, started, rate),
        toSseMs: summarise(announced.map((r) => Math.max(0, r.sseAt! - r.ackAt!))),
        sentToSseMs: summarise(announced.map((r) => r.sseAt! - r.sentAt)),
        toSettlementMs: summarise(
          acked.filter((r) => recorded.has(r.txId)).map((r) => Math.max(0, recorded.get(r.txId)! - r.ackAt!)),
        ),
      });
      const step = steps[steps.length - 1]!;
      if (step.errors > 0 || step.toSseMs.p99 >= 1_000) break;
    }
    // The ledger after the run, as an operator would check it: first let it finish what it acknowledged (a failed
    // step leaves a backlog), then `ledger:check` and `ledger:verify` on its database.
    const drained = await waitFor(
      () => [...sentAt.values()].every((r) => r.ackAt === undefined || r.sseAt !== undefined),
      { timeoutMs: 600_000, intervalMs: 1_000, what: 'the backlog announced' },
    ).then(
      () => true,
      () => false,
    );
    const audit = {
      drained,
      check: await ledgerCli('check', mongoUrl, dbs.ledger),
      verify: await ledgerCli('verify', mongoUrl, dbs.ledger),
    };
    abort.abort();
    await Promise.allSettled(streams);
    await settlementDb.close();
    const docsAfter = await documentStats(mongoUrl, databases);
    const total = (stats: DocumentStats) => Object.values(stats).reduce((n, c) => n + c.count, 0);
    return {
      stalls: opts.stalls,
      streams: opts.stalls,
      steps,
      audit,
      best: pickBest(steps),
      rssMb: rss,
      idle: { cpu: idleCpu, rssMb: idleRss },
      /** Documents left stored per acknowledged payment, over the three services' databases (outbox rows are gone). */
      documentsPerPayment: paymentsMeasured ? (total(docsAfter) - total(docsBefore)) / paymentsMeasured : NaN,
      /**
       * The same by collection (`service/collection`): documents left per payment and their average BSON size, what
       * `pnpm capacity` sizes the databases from. Collections the payments did not grow are left out.
       */
      documents: Object.fromEntries(
        Object.entries(docsAfter)
          .map(([key, after]) => {
            const added = after.count - (docsBefore[key]?.count ?? 0);
            return [
              key,
              {
                perPayment: paymentsMeasured ? added / paymentsMeasured : NaN,
                bytesPerDocument: after.count ? after.bytes / after.count : NaN,
              },
            ] as const;
          })
          .filter(([, c]) => c.perPayment > 0),
      ),
    };
  } finally {
    await Promise.all(services.map((s) => s.stop().catch(() => undefined)));
  }
}

/** Each service's database time so far, from its /metrics (`mongo_command_duration_seconds`, per command and collection). */
export async function databaseTime(services: ServiceProcess[]): Promise<DbTime[]> {
  const out: DbTime[] = [];
  for (const svc of services) {
    const text = await fetch(`${svc.url}/metrics`)
      .then((r) => r.text())
      .catch(() => '');
    const rows = new Map<string, DbTime>();
    for (const m of text.matchAll(/^mongo_command_duration_seconds_(sum|count)\{([^}]*)\} (\S+)$/gm)) {
      const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
      const key = `${labels.command}|${labels.collection}`;
      const row = rows.get(key) ?? {
        service: svc.name,
        command: labels.command ?? '',
        collection: labels.collection ?? '',
        count: 0,
        seconds: 0,
      };
      if (m[1] === 'sum') row.seconds += Number(m[3]);
      else row.count += Number(m[3]);
      rows.set(key, row);
    }
    out.push(...rows.values());
  }
  return out;
}

/** What a step added, the costliest first (the ten that took the most time). */
export function databaseDelta(before: DbTime[], after: DbTime[]): DbTime[] {
  const key = (d: DbTime) => `${d.service}|${d.command}|${d.collection}`;
  const start = new Map(before.map((d) => [key(d), d]));
  return after
    .map((d) => ({
      ...d,
      count: d.count - (start.get(key(d))?.count ?? 0),
      seconds: d.seconds - (start.get(key(d))?.seconds ?? 0),
    }))
    .filter((d) => d.count > 0)
    .sort((a, b) => b.seconds - a.seconds);
}

/** `ledger:check` or `ledger:verify` on the bench's ledger database: clean or not, and how many problems it found. */
function ledgerCli(
  command: 'check' | 'verify',
  mongoUrl: string,
  db: string,
): Promise<{ ok: boolean; problems: number }> {
  const cli = join(__dirname, '../../services/payment-ledger/dist/cli.js');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, command],
      { env: { ...process.env, MONGO_URL: mongoUrl, MONGO_DB: db }, maxBuffer: 64 * 1024 * 1024, timeout: 600_000 },
      (err, stdout) => {
        try {
          const report = JSON.parse(stdout) as { ok: boolean; problems?: unknown[] };
          resolve({ ok: report.ok && !err, problems: report.problems?.length ?? 0 });
        } catch {
          resolve({ ok: false, problems: -1 });
        }
      },
    );
  });
}

/** Webhook round trip: from when each notification was due to leave to its acknowledgement. */
function ackLatencies(records: { ackAt?: number }[], started: number, rate: number) {
  return summarise(records.flatMap((r, i) => (r.ackAt === undefined ? [] : [r.ackAt - (started + (i * 1000) / rate)])));
}

function pickBest(steps: E2eStep[]) {
  const passing = steps.filter((s) => s.errors === 0 && s.toSseMs.p99 < 1_000);
  return passing[passing.length - 1] ?? null;
}

/** Share of a core each process uses over `ms`. */
async function cpuOver(services: ServiceProcess[], ms: number): Promise<Record<string, number>> {
  const before = new Map(services.map((s) => [s.name, cpuSeconds(s.pid) ?? 0]));
  await new Promise((r) => setTimeout(r, ms));
  return Object.fromEntries(
    services.map((s) => [s.name, ((cpuSeconds(s.pid) ?? 0) - before.get(s.name)!) / (ms / 1000)]),
  );
}

/** Documents and their BSON bytes per collection, keyed `service/collection`. */
type DocumentStats = Record<string, { count: number; bytes: number }>;

/**
 * Counts every collection of these databases and sums its documents' BSON sizes, computed here from the documents
 * themselves: the MongoDB-wire server may be FerretDB, whose collStats sizes are its own storage's, not MongoDB's.
 */
async function documentStats(mongoUrl: string, databases: Record<string, string>): Promise<DocumentStats> {
  const out: DocumentStats = {};
  for (const [service, name] of Object.entries(databases)) {
    const conn = await mongoose.createConnection(mongoUrl, { dbName: name }).asPromise();
    try {
      for (const c of await conn.db!.listCollections().toArray()) {
        const stats = { count: 0, bytes: 0 };
        for await (const doc of conn.db!.collection(c.name).find({})) {
          stats.count += 1;
          stats.bytes += mongoose.mongo.BSON.calculateObjectSize(doc);
        }
        out[`${service}/${c.name}`] = stats;
      }
    } finally {
      await conn.close();
    }
  }
  return out;
}
