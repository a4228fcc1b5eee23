#!/usr/bin/env node
// pnpm capacity: MarketQR's capacity plan from what `pnpm bench` measured on this machine.
//
//   node scripts/capacity.js           prints the plan (markdown)
//   node scripts/capacity.js --json    the same numbers as JSON
//   node scripts/capacity.js --write   also replaces the generated part of docs/capacity.md
//
// Reads bench/results/system.json (CPU, memory, Kafka and database floors, documents per payment) and, when it exists,
// bench/results/documents.json (`pnpm bench --only documents`: documents per payment and their size, by collection).
// Everything that is not a measurement is in ASSUMPTIONS below and printed with the plan; `plan()` is a pure function
// of the two files and the assumptions (tests/deploy/capacity.test.ts checks its arithmetic).
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const REPO = join(__dirname, '..');

/** What the plan assumes rather than measures. Each is printed with the plan, with why. */
const ASSUMPTIONS = {
  tradingHoursPerDay: { value: 12, why: 'markets trade about 5:00–17:00; payments are spread over those hours' },
  peakToAverage: { value: 5, why: 'the morning rush: a province averaging ~230/s peaks near 1,150/s' },
  paymentsPerStallPerDay: { value: 100, why: 'a busy stall at full QR adoption; sets how many stalls a rate means' },
  streamsPerStall: { value: 1, why: "each stall's phone keeps its live payment stream open through trading hours" },
  targetCpuPerReplica: {
    value: 0.6,
    why: 'share of the one-core limit a replica is planned to use at peak: the rest absorbs bursts and GC',
  },
  minReplicas: { value: 2, why: 'so a node drain or a crash never takes a service away' },
  partitionHeadroom: {
    value: 2,
    why: 'partitions per consumer needed: consumers can double before a topic must grow (growing moves stalls)',
  },
  dynamicQrShare: { value: 1, why: 'every payment preceded by a dynamic QR (worst case for qr-generation)' },
  kafkaMessagesPerPayment: {
    value: 3,
    why: 'payment.confirmed, ledger.entry-posted and the qr.issued of its dynamic QR (packages/contracts)',
  },
  kafkaBrokerUtilisation: { value: 0.5, why: 'of the measured single-broker rate, leaving room for a broker down' },
  kafkaRetentionDays: { value: 7, why: "Kafka's default retention (deploy/helm values kafka.retentionHours)" },
  replicationFactor: { value: 3, why: 'every topic and the MongoDB replica set keep three copies' },
  mongoWritesPerReplicaSet: {
    value: 5000,
    why:
      'document writes/s one MongoDB replica set primary is planned to absorb (w: majority, small documents, SSD). ' +
      'Not measured here: the benchmark ran FerretDB, whose measured floor is in the table above',
  },
  transientWritesPerPayment: {
    value: { 'payment-ledger': 8, settlement: 0, 'market-insights': 2 },
    why:
      'writes besides the documents kept, read from the code: the ledger inserts and deletes a work-queue item, a ' +
      "pending-entry marker and two outbox rows; market-insights updates the stall's day and balance",
  },
  documentBytesFallback: {
    value: 600,
    why: 'bytes per document when bench/results/documents.json is missing (run `pnpm bench --only documents`)',
  },
  diskPerLogicalByte: {
    value: 1,
    why: "disk per byte of BSON: WiredTiger's compression (~½) roughly pays for the indexes (~½ of the data)",
  },
  recordsYears: { value: 10, why: 'accounting records are kept ten years (Vietnam\u2019s Law on Accounting)' },
};

/** The three places the plan is made for. A scenario names its peak rate, its average rate, or its stalls. */
const SCENARIOS = [
  { key: 'market', title: 'one market (500 stalls)', stalls: 500 },
  { key: 'province', title: 'a province at peak', averagePerSecond: 230 },
  { key: 'country', title: 'the whole country (NAPAS 247: 3,500/s)', peakPerSecond: 3500 },
];

/**
 * Topics (packages/contracts/src/topics.ts, checked by tests/deploy/capacity.test.ts): the contract's partitions, who
 * consumes them, and whether they carry an event per payment. Only consumers whose replicas are sized by events
 * (EVENT_BOUND) need a partition each; the ledger's replicas are sized by webhooks and vendor streams, and a few of
 * its consumers sharing the QR and settlement events is plenty.
 */
const TOPICS = [
  {
    name: 'marketqr.merchant.events.v1',
    partitions: 6,
    perPayment: false,
    consumers: ['qr-generation', 'payment-ledger', 'settlement', 'market-insights'],
  },
  { name: 'marketqr.qr.events.v1', partitions: 6, perPayment: true, consumers: ['payment-ledger', 'market-insights'] },
  { name: 'marketqr.payment.events.v1', partitions: 6, perPayment: true, consumers: ['settlement', 'market-insights'] },
  { name: 'marketqr.ledger.events.v1', partitions: 6, perPayment: true, consumers: ['market-insights'] },
  {
    name: 'marketqr.settlement.events.v1',
    partitions: 6,
    perPayment: false,
    consumers: ['payment-ledger', 'market-insights'],
  },
];
const EVENT_BOUND = ['settlement', 'market-insights'];

/**
 * Shard keys for the collections that grow with every payment (services/<service>/src/store/models.ts), used once a
 * service's database needs more than one replica set. The services address these documents by `_id` (idempotent
 * inserts, upserts by `_id`), and a sharded update or upsert must name the shard key: a hashed `_id` keeps every write
 * targeted without changing the code. Where a range serves the code better, it says why.
 */
const SHARD_KEYS = [
  {
    collection: 'payment-ledger/inbox',
    key: '{ _id: "hashed" }',
    why:
      '_id is the payment id, a hash of (provider, providerTxId): inserts spread evenly, and a redelivery lands on the ' +
      'shard that already holds it. The unique (provider, providerTxId) index cannot stay unique under a hashed key ' +
      'and need not: the _id is derived from that pair',
  },
  { collection: 'payment-ledger/entries', key: '{ _id: "hashed" }', why: '_id is the source key; insert-only' },
  {
    collection: 'payment-ledger/postings',
    key: '{ account: 1 }',
    why:
      'range on the account: a chain (seq 1, 2, 3 …) stays on one shard, so its unique _id (<account>#<seq>) and ' +
      "(account, entryId) stay enforceable, and it has one writer anyway. A market's collection account is one hot " +
      'range: watch its chunk',
  },
  { collection: 'payment-ledger/posted_entries', key: '{ _id: "hashed" }', why: 'looked up by _id only' },
  {
    collection: 'payment-ledger/qrs',
    key: '{ _id: "hashed" }',
    why: 'upserted by QR id; matching by order code then asks every shard (indexed)',
  },
  {
    collection: 'settlement/contributions',
    key: '{ marketId: 1, _id: 1 }',
    why: "the cut-off reads a market's unsettled contributions; _id keeps one fact (pay:<paymentId>) on one shard",
  },
  {
    collection: 'settlement/credits',
    key: '{ marketId: 1, _id: 1 }',
    why: 'reconciliation reads a market and bank day; _id is the bank transaction id',
  },
  {
    collection: 'market-insights/payment_facts',
    key: '{ _id: "hashed" }',
    why: 'the payment id: what makes a payment count once',
  },
  {
    collection: 'market-insights/stall_days',
    key: '{ _id: "hashed" }',
    why: "upserted by _id (<stall>:<day>); a market's dashboard then reads every shard",
  },
  { collection: 'market-insights/payer_days', key: '{ _id: "hashed" }', why: 'insert-only facts keyed by _id' },
  {
    collection: '*/processed_events',
    key: '{ _id: "hashed" }',
    why: "each consumer's dedupe records, looked up by _id and swept after 14 days",
  },
];

const DB_SERVICES = ['payment-ledger', 'settlement', 'market-insights'];

const readJson = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined);
const ceil = (n) => Math.ceil(n - 1e-9);
const roundUpTo = (n, multiple) => ceil(n / multiple) * multiple;

/**
 * The measured cost of one payment per service: CPU seconds per payment beyond idle at the fastest rate that held
 * its latency (e2e.best), the idle baseline, peak memory; and the share of the ledger's idle that the 500 open
 * vendor streams cost (its idle minus the other services', which hold no streams).
 */
function serviceCosts(system) {
  const e2e = system.e2e;
  const best = e2e.best ?? e2e.steps[0];
  const rate = best.confirmedPerSecond;
  const costs = {};
  // The services only: the step's CPU also names the infrastructure and the bench itself, which scale otherwise.
  for (const name of Object.keys(best.cpu).filter((n) => n in e2e.rssMb)) {
    const idle = e2e.idle.cpu[name] ?? 0;
    costs[name] = {
      cpuPerPayment: Math.max(0, best.cpu[name] - idle) / rate,
      idleCpu: idle,
      peakRssMb: e2e.rssMb[name],
    };
  }
  const others = Object.keys(costs).filter((n) => n !== 'payment-ledger');
  const quietIdle = others.reduce((s, n) => s + costs[n].idleCpu, 0) / Math.max(1, others.length);
  const streamCpu = Math.max(0, (costs['payment-ledger']?.idleCpu ?? 0) - quietIdle) / e2e.streams;
  if (costs['payment-ledger']) costs['payment-ledger'].baselineCpu = quietIdle;
  for (const n of others) costs[n].baselineCpu = costs[n].idleCpu;
  // qr-generation: the highest issue rate it kept up with and without errors (its CPU was not recorded).
  const qrSteps = (system.qr?.steps ?? []).filter((s) => s.errors === 0 && s.achieved >= 0.95 * s.rate);
  const qrRate = Math.max(0, ...qrSteps.map((s) => s.achieved));
  return {
    measuredAt: { rate: best.rate, confirmedPerSecond: rate, streams: e2e.streams },
    services: costs,
    streamCpu,
    qr: { perReplica: qrRate, peakRssMb: system.qr?.peakRssMb },
  };
}

/** Documents kept per payment and their size, by `service/collection`; a fallback when nothing was measured. */
function documentModel(system, documents, a) {
  const measured = documents?.documents ?? system.e2e.documents;
  if (measured && Object.keys(measured).length) {
    return { source: documents ? 'bench/results/documents.json' : 'bench/results/system.json', collections: measured };
  }
  const perPayment = system.e2e.documentsPerPayment;
  // Spread evenly over the three databases: nothing better is known without the per-collection measurement.
  const collections = {};
  for (const s of DB_SERVICES)
    collections[`${s}/(all)`] = { perPayment: perPayment / 3, bytesPerDocument: a.documentBytesFallback };
  return { source: 'estimate (documents per payment measured, sizes assumed)', collections };
}

/** One scenario's rates: peak and average payments/s, payments per day, stalls and their open streams. */
function rates(scenario, a) {
  const tradingSeconds = a.tradingHoursPerDay * 3600;
  let average;
  if (scenario.stalls) average = (scenario.stalls * a.paymentsPerStallPerDay) / tradingSeconds;
  else if (scenario.averagePerSecond) average = scenario.averagePerSecond;
  else average = scenario.peakPerSecond / a.peakToAverage;
  const peak = scenario.peakPerSecond ?? average * a.peakToAverage;
  const perDay = average * tradingSeconds;
  const stalls = scenario.stalls ?? perDay / a.paymentsPerStallPerDay;
  return { average, peak, perDay, stalls, streams: stalls * a.streamsPerStall };
}

/**
 * The plan for every scenario. `system` and `documents` are the bench results; `assumptions` maps each name of
 * ASSUMPTIONS to its value (defaults: those above).
 */
function plan(system, documents, assumptions = {}) {
  const a = Object.fromEntries(Object.entries(ASSUMPTIONS).map(([k, v]) => [k, assumptions[k] ?? v.value]));
  const costs = serviceCosts(system);
  const docs = documentModel(system, documents, a);
  const kafkaFloor = system.floor.kafka.endToEndRate;
  const messageBytes = system.floor.kafka.bytes;

  const byDb = {};
  for (const [key, c] of Object.entries(docs.collections)) {
    const service = key.split('/')[0];
    const db = (byDb[service] ??= { documentsPerPayment: 0, bytesPerPayment: 0, keptBytesPerPayment: 0 });
    db.documentsPerPayment += c.perPayment;
    db.bytesPerPayment += c.perPayment * c.bytesPerDocument;
    // Dedupe records are swept after 14 days: they hold steady instead of growing.
    if (!key.endsWith('/processed_events')) db.keptBytesPerPayment += c.perPayment * c.bytesPerDocument;
  }

  const scenarios = SCENARIOS.map((scenario) => {
    const r = rates(scenario, a);
    const replicas = {};
    const cores = {};
    for (const [name, c] of Object.entries(costs.services)) {
      const streams = name === 'payment-ledger' ? r.streams * costs.streamCpu : 0;
      const demand = r.peak * c.cpuPerPayment + streams;
      const usable = a.targetCpuPerReplica - c.baselineCpu;
      replicas[name] = Math.max(a.minReplicas, ceil(demand / usable));
      cores[name] = demand + replicas[name] * c.baselineCpu;
    }
    replicas['qr-generation'] = Math.max(
      a.minReplicas,
      costs.qr.perReplica ? ceil((r.peak * a.dynamicQrShare) / costs.qr.perReplica) : a.minReplicas,
    );
    // The web app carries every vendor's stream to the ledger: as many as the ledger (not measured on its own).
    replicas.web = replicas['payment-ledger'];
    replicas['merchant-onboarding'] = a.minReplicas;

    const messagesPerSecond = r.peak * a.kafkaMessagesPerPayment;
    const brokers = Math.max(
      a.replicationFactor,
      ceil((messagesPerSecond * a.replicationFactor) / (kafkaFloor * a.kafkaBrokerUtilisation)),
    );
    const partitions = Object.fromEntries(
      TOPICS.map((t) => {
        const busiest = Math.max(0, ...t.consumers.map((c) => (EVENT_BOUND.includes(c) ? replicas[c] : 0)));
        const wanted = t.perPayment ? roundUpTo(busiest * a.partitionHeadroom, brokers) : 0;
        return [t.name, Math.max(t.partitions, wanted)];
      }),
    );
    // A day's events (all made in trading hours) kept for the retention, on three brokers each.
    const kafkaDiskGb =
      (r.perDay * a.kafkaMessagesPerPayment * messageBytes * a.kafkaRetentionDays * a.replicationFactor) / 1e9;

    const databases = Object.fromEntries(
      Object.entries(byDb).map(([service, d]) => {
        const writes = r.peak * (d.documentsPerPayment + (a.transientWritesPerPayment[service] ?? 0));
        const perDayGb = (r.perDay * d.keptBytesPerPayment * a.diskPerLogicalByte) / 1e9;
        return [
          service,
          {
            documentsPerDay: r.perDay * d.documentsPerPayment,
            writesPerSecond: writes,
            replicaSets: Math.max(1, ceil(writes / a.mongoWritesPerReplicaSet)),
            gbPerDay: perDayGb,
            gbPerYear: perDayGb * 365,
            gbRecords: perDayGb * 365 * a.recordsYears,
          },
        ];
      }),
    );
    return {
      key: scenario.key,
      title: scenario.title,
      rates: r,
      replicas,
      cores,
      kafka: { brokers, messagesPerSecond, partitions, diskGbPerBroker: kafkaDiskGb / brokers },
      databases,
    };
  });
  return { machine: system.machine, assumptions: a, measured: costs, documents: docs, floor: system.floor, scenarios };
}

// ---- output ---------------------------------------------------------------------------------------------------------

const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';
const big = (n) => (n >= 1e6 ? `${fmt(n / 1e6, 1)} M` : n >= 1e4 ? `${fmt(n / 1e3, 0)} k` : fmt(n, n < 10 ? 1 : 0));
const gb = (n) => (n >= 1000 ? `${fmt(n / 1000, 1)} TB` : n >= 1 ? `${fmt(n, 1)} GB` : `${fmt(n * 1000, 0)} MB`);
const table = (head, rows) =>
  [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');

function markdown(p, sources) {
  const m = p.measured;
  const s = p.scenarios;
  const cols = s.map((x) => x.title);
  const row = (label, f) => [label, ...s.map(f)];
  const lines = [];
  lines.push(
    `Generated by \`pnpm capacity\` from ${sources.join(' and ')}. Measured (by \`pnpm bench\` on ${p.machine}, ` +
      'one process per service, Kafka and FerretDB on the same cores): the first two tables. Extrapolated: the plan ' +
      'after them, from those measurements and the assumptions listed at the end.',
    '',
    '#### Measured',
    '',
    table(
      ['service', 'CPU per payment', 'idle CPU', 'peak RSS', 'per replica at the target CPU (extrapolated)'],
      Object.entries(m.services).map(([name, c]) => [
        name,
        `${fmt(c.cpuPerPayment * 1000, 1)} ms`,
        `${fmt(c.idleCpu, 3)} core`,
        `${fmt(c.peakRssMb)} MB`,
        `${fmt((p.assumptions.targetCpuPerReplica - c.baselineCpu) / c.cpuPerPayment)} payments/s`,
      ]),
    ),
    '',
    `At ${fmt(m.measuredAt.rate)} payments/s offered, ${fmt(m.measuredAt.confirmedPerSecond, 1)}/s were confirmed ` +
      `with ${m.measuredAt.streams} vendor streams open; that was the fastest step that held its latency, and the ` +
      'database (FerretDB and its PostgreSQL, sharing the two cores), not the services, set that limit. The last column is ' +
      `what one replica would do at ${fmt(p.assumptions.targetCpuPerReplica * 100)} % of its one-core limit if the ` +
      'database kept up: the CPU per payment, extrapolated. Open vendor streams cost the ledger about ' +
      `${fmt(m.streamCpu * 1e6, 1)} µs of CPU per stream per second (its idle CPU beyond the other services'). ` +
      `qr-generation issued ${fmt(m.qr.perReplica)} dynamic QRs/s without errors (the highest rate it held; its CPU was ` +
      `not recorded), peak RSS ${fmt(m.qr.peakRssMb)} MB. Infrastructure floor: one Kafka broker moved ` +
      `${fmt(p.floor.kafka.endToEndRate)} messages/s of ${p.floor.kafka.bytes} bytes end to end; FerretDB took ` +
      `${fmt(p.floor.mongo.insertRate)} inserts/s (${p.floor.mongo.concurrency} concurrent, unique index).`,
    '',
    `Documents per payment (${p.documents.source}):`,
    '',
    table(
      ['collection', 'documents per payment', 'bytes each (BSON)'],
      Object.entries(p.documents.collections)
        .sort(([x], [y]) => x.localeCompare(y))
        .map(([k, c]) => [k, fmt(c.perPayment, 2), fmt(c.bytesPerDocument)]),
    ),
    '',
    '#### The plan',
    '',
    table(
      ['', ...cols],
      [
        row('payments/s at peak', (x) => fmt(x.rates.peak, x.rates.peak < 10 ? 1 : 0)),
        row('payments/s on average (trading hours)', (x) => fmt(x.rates.average, x.rates.average < 10 ? 1 : 0)),
        row('payments per day', (x) => big(x.rates.perDay)),
        row('stalls (vendor streams open)', (x) => big(x.rates.stalls)),
        ...['payment-ledger', 'settlement', 'market-insights', 'qr-generation', 'merchant-onboarding', 'web'].map(
          (name) => row(`${name} replicas`, (x) => fmt(x.replicas[name])),
        ),
        row('CPU cores at peak (ledger + settlement + insights)', (x) =>
          fmt(
            Object.values(x.cores).reduce((t, c) => t + c, 0),
            1,
          ),
        ),
        row('Kafka brokers', (x) => fmt(x.kafka.brokers)),
        row('Kafka messages/s at peak', (x) => big(x.kafka.messagesPerSecond)),
        ...TOPICS.map((t) => row(`partitions: ${t.name}`, (x) => fmt(x.kafka.partitions[t.name]))),
        row(
          `Kafka disk per broker (${p.assumptions.kafkaRetentionDays} days, RF ${p.assumptions.replicationFactor})`,
          (x) => gb(x.kafka.diskGbPerBroker),
        ),
        ...DB_SERVICES.flatMap((db) => [
          row(`${db} DB: documents per day`, (x) => big(x.databases[db]?.documentsPerDay ?? NaN)),
          row(`${db} DB: writes/s at peak`, (x) => big(x.databases[db]?.writesPerSecond ?? NaN)),
          row(`${db} DB: data per day / year / ${p.assumptions.recordsYears} years`, (x) =>
            x.databases[db]
              ? [x.databases[db].gbPerDay, x.databases[db].gbPerYear, x.databases[db].gbRecords].map(gb).join(' / ')
              : 'n/a',
          ),
          row(`${db} DB: replica sets (shards)`, (x) => fmt(x.databases[db]?.replicaSets ?? NaN)),
        ]),
      ],
    ),
    '',
  );
  const sharded = DB_SERVICES.filter((db) => s.some((x) => (x.databases[db]?.replicaSets ?? 1) > 1));
  lines.push(
    sharded.length
      ? `Sharding: needed for ${sharded.join(', ')} (more writes at peak than one replica set is planned for). ` +
          'Shard keys for the collections that grow with every payment:'
      : 'Sharding: not needed in any scenario; should it be, these are the shard keys:',
    '',
    table(
      ['collection', 'shard key', 'why'],
      SHARD_KEYS.map((k) => [k.collection, `\`${k.key}\``, k.why]),
    ),
    '',
    'Assumptions (not measured):',
    '',
    table(
      ['assumption', 'value', 'why'],
      Object.entries(ASSUMPTIONS).map(([k, v]) => [
        k,
        typeof p.assumptions[k] === 'object' ? JSON.stringify(p.assumptions[k]) : String(p.assumptions[k]),
        v.why,
      ]),
    ),
  );
  return lines.join('\n');
}

// The generated part of docs/capacity.md lies between these; prettier leaves it as the script wrote it.
const BEGIN = '<!-- capacity:begin (pnpm capacity --write) -->\n<!-- prettier-ignore-start -->';
const END = '<!-- prettier-ignore-end -->\n<!-- capacity:end -->';

/** docs/capacity.md with its generated part replaced by `generated`. */
function withGenerated(doc, generated) {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/capacity.md lacks the ${BEGIN} … ${END} markers`);
  return `${doc.slice(0, start + BEGIN.length)}\n\n${generated}\n\n${doc.slice(end)}`;
}

/** The plan from the repository's bench results, as markdown. */
function generate(repo = REPO) {
  const systemPath = join(repo, 'bench/results/system.json');
  const documentsPath = join(repo, 'bench/results/documents.json');
  const system = readJson(systemPath);
  if (!system) throw new Error(`${systemPath} is missing: run \`pnpm bench\` first`);
  const documents = readJson(documentsPath);
  const sources = ['bench/results/system.json', ...(documents ? ['bench/results/documents.json'] : [])];
  const p = plan(system, documents);
  return { plan: p, markdown: markdown(p, sources) };
}

module.exports = {
  ASSUMPTIONS,
  SCENARIOS,
  SHARD_KEYS,
  TOPICS,
  plan,
  rates,
  serviceCosts,
  generate,
  withGenerated,
  BEGIN,
  END,
};

if (require.main === module) {
  const { plan: p, markdown: md } = generate();
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify(p, null, 2)}\n`);
  } else {
    process.stdout.write(`${md}\n`);
  }
  if (process.argv.includes('--write')) {
    const path = join(REPO, 'docs/capacity.md');
    writeFileSync(path, withGenerated(readFileSync(path, 'utf8'), md));
    process.stderr.write(`[capacity] docs/capacity.md updated\n`);
  }
}
