/**
 * pnpm bench: measures MarketQR on this machine against the limits of its own infrastructure, and writes
 * bench/results/system.{json,md} (the table is printed too), then reads the QR photo set (photos.ts →
 * bench/results/photos.{json,md}). `--only photos` runs that last step alone, without infrastructure. `--only documents`
 * runs a short end-to-end step for what the databases keep per payment (bench/results/documents.{json,md}, read by
 * `pnpm capacity`). Uses KAFKA_BROKERS/MONGO_URL when set, else the local
 * infrastructure (started if needed). Numbers belong here, never in timed tests.
 */
import { cpus, totalmem } from 'node:os';
import { infra, localInfraUp } from '@marketqr/test-harness';
import { kafkaFloor, mongoFloor } from './floor';
import { e2eBench } from './e2e';
import { photoBench } from './photos';
import { qrBench } from './qr';
import { fmt, mdTable, rssMb, writeResults } from './support';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

async function infrastructure(): Promise<{ brokers: string[]; mongoUrl: string }> {
  if (process.env.KAFKA_BROKERS && process.env.MONGO_URL) {
    return { brokers: process.env.KAFKA_BROKERS.split(','), mongoUrl: process.env.MONGO_URL };
  }
  if (!(await localInfraUp())) process.stdout.write('[bench] starting the local infrastructure…\n');
  const out = await infra(['start']);
  return { brokers: [/KAFKA_BROKERS=(\S+)/.exec(out)![1]!], mongoUrl: /MONGO_URL=(\S+)/.exec(out)![1]! };
}

function infraRss(): Record<string, number | undefined> {
  const state = process.env.MARKETQR_STATE ?? join(__dirname, '../../.run');
  const out: Record<string, number | undefined> = {};
  for (const name of ['kafka', 'ferretdb']) {
    try {
      out[name] = rssMb(Number(readFileSync(join(state, 'pids', `${name}.pid`), 'utf8')));
    } catch {
      out[name] = undefined;
    }
  }
  return out;
}

const QR_RATES = [25, 50, 100, 200, 300, 400, 500, 600, 800, 1_000, 1_200];

function qrTable(qr: Awaited<ReturnType<typeof qrBench>>): string {
  return [
    mdTable(
      [
        'target /s',
        'sent',
        '2xx',
        'errors',
        'p50 ms',
        'p97.5 ms',
        'p99 ms',
        'achieved /s',
        'db commands / QR',
        'CPU (cores): qr-generation · ferretdb · postgresql · bench',
      ],
      qr.steps.map((s) => [
        s.rate,
        s.sent,
        s.ok,
        s.errors
          ? `${s.errors} (${Object.entries(s.failures)
              .map(([k, n]) => `${k} ×${n}`)
              .join(', ')})`
          : 0,
        s.p50,
        s.p975,
        s.p99,
        fmt(s.achieved, 1),
        fmt(s.commandsPerQr, 2),
        [s.cpu['qr-generation'], s.cpu.ferretdb, s.cpu.postgresql, s.cpu.bench].map((c) => fmt(c ?? 0, 2)).join(' · '),
      ]),
    ),
    '',
    `Highest rate achieved (≥ 95 % of the target) with p99 < 100 ms and no errors: **${qr.best ? `${qr.best.rate}/s` : 'none'}**; qr-generation peak RSS ${qr.peakRssMb} MB. Open loop over ${qr.stalls} stalls, each request by its stall's vendor; a request's time runs from when it was due.`,
    '',
    ...qrCommands(qr.best ?? qr.steps[qr.steps.length - 1]),
  ].join('\n');
}

/** Where one step's database commands went: per QR, by command and collection (what a batching change moves). */
function qrCommands(step: Awaited<ReturnType<typeof qrBench>>['steps'][number] | undefined): string[] {
  if (!step) return [];
  return [
    `Database commands per QR at ${step.rate}/s, by command and collection (count · milliseconds of database time per QR): ${step.commands
      .slice(0, 8)
      .map((c) => `${c.command} ${c.collection} ${fmt(c.perQr, 2)} · ${fmt(c.msPerQr, 2)}`)
      .join('; ')}.`,
  ];
}

async function main() {
  const quick = process.argv.includes('--quick');
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
  const photos = () => photoBench({ perKind: quick ? 6 : 24, bigPhotos: quick ? 2 : 5 });
  if (only === 'photos') {
    process.stdout.write(`\n${await photos()}\n[bench] written to bench/results/photos.json and photos.md\n`);
    return;
  }
  if (only === 'documents') {
    const { brokers, mongoUrl } = await infrastructure();
    await documentsStep(brokers, mongoUrl);
    return;
  }
  if (only && only !== 'qr') {
    throw new Error(`--only ${only}: the steps that run alone are "photos", "documents" and "qr"`);
  }
  const { brokers, mongoUrl } = await infrastructure();
  if (only === 'qr') {
    // The dynamic QR step alone, printed and not written (bench/results keeps the full run's numbers together).
    const qr = await qrBench(brokers, mongoUrl, { seconds: quick ? 3 : 10, rates: QR_RATES, stalls: quick ? 20 : 500 });
    process.stdout.write(`\n${qrTable(qr)}\n`);
    return;
  }
  const count = quick ? 2_000 : 20_000;
  const bytes = 700; // about the size of a payment.confirmed envelope
  const started = new Date();
  process.stdout.write(`[bench] floor: ${count} Kafka messages and Mongo inserts of ${bytes} bytes…\n`);
  const kafka = await kafkaFloor(brokers, count, bytes);
  const mongo = await mongoFloor(mongoUrl, count, bytes);
  process.stdout.write('[bench] end to end: signed notifications at rising fixed rates…\n');
  // A market's worth of phones listen all along (one stream per stall); the rate rises until p99 ack → SSE passes
  // 1 s or errors appear. 250/s is held for 60 s: the rate a province needs at its peak hour.
  const e2e = await e2eBench(brokers, mongoUrl, {
    stalls: quick ? 20 : 500,
    steps: quick
      ? [
          { rate: 25, seconds: 5 },
          { rate: 100, seconds: 5 },
        ]
      : [
          { rate: 25, seconds: 30 },
          { rate: 50, seconds: 30 },
          { rate: 100, seconds: 30 },
          { rate: 250, seconds: 60 },
          { rate: 400, seconds: 30 },
          { rate: 800, seconds: 30 },
          { rate: 1_200, seconds: 30 },
        ],
  });
  process.stdout.write('[bench] dynamic QR issue through the HTTP API at rising fixed rates…\n');
  const qr = await qrBench(brokers, mongoUrl, {
    seconds: quick ? 3 : 10,
    rates: QR_RATES,
    stalls: quick ? 20 : 500,
  });
  const memory = infraRss();

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
  const md = [
    `# MarketQR benchmark (${started.toISOString()})`,
    '',
    `Machine: ${machine}. Infrastructure: Kafka 4.4 (local, KRaft) and the MongoDB-wire server at ${mongoUrl}.`,
    '',
    '## Floor: the infrastructure alone',
    '',
    mdTable(
      ['what', 'count', 'bytes', 'rate /s', 'seconds'],
      [
        ['kafkajs produce (idempotent, batches of 50)', count, bytes, fmt(kafka.produceRate), fmt(kafka.seconds, 1)],
        ['kafkajs produce → consume (end to end)', count, bytes, fmt(kafka.endToEndRate), fmt(kafka.seconds, 1)],
        [
          `mongoose inserts, unique index, ${mongo.concurrency} concurrent`,
          count,
          bytes,
          fmt(mongo.insertRate),
          fmt(mongo.seconds, 1),
        ],
      ],
    ),
    '',
    '## End to end: webhook → inbox → ledger → Kafka → settlement and insights, SSE to the vendor',
    '',
    `${e2e.stalls} stalls, each with its vendor's live stream (SSE) open throughout; open-loop arrivals; latency from the webhook's acknowledgement. "behind" is how many acknowledged payments settlement had not yet recorded when the step's announcements were in; CPU is the share of one core each process used during the step (the machine has two cores): the three services, then the infrastructure (PostgreSQL counts all its backends) and the bench itself (load generator and the streams' readers).`,
    '',
    mdTable(
      [
        'target /s',
        'seconds',
        'sent',
        'acked',
        'errors',
        'confirmed /s',
        'ack p99 ms',
        'ack → SSE p50/p95/p99 ms',
        'sent → SSE p99 ms',
        'ack → settlement p50/p95/p99 ms',
        'behind',
        'CPU ledger / settlement / insights',
        'CPU kafka / ferretdb / postgresql / bench',
      ],
      e2e.steps.map((s) => [
        s.rate,
        s.seconds,
        s.sent,
        s.acked,
        s.errors,
        fmt(s.confirmedPerSecond, 1),
        fmt(s.ackMs.p99),
        `${fmt(s.toSseMs.p50)} / ${fmt(s.toSseMs.p95)} / ${fmt(s.toSseMs.p99)}`,
        fmt(s.sentToSseMs.p99),
        `${fmt(s.toSettlementMs.p50)} / ${fmt(s.toSettlementMs.p95)} / ${fmt(s.toSettlementMs.p99)}`,
        s.settlementBehind,
        ['payment-ledger', 'settlement', 'market-insights'].map((n) => fmt(s.cpu[n] ?? NaN, 2)).join(' / '),
        ['kafka', 'ferretdb', 'postgresql', 'bench'].map((n) => fmt(s.cpu[n] ?? NaN, 2)).join(' / '),
      ]),
    ),
    '',
    `While idle with ${e2e.streams} streams open: CPU (share of a core) ${Object.entries(e2e.idle.cpu)
      .map(([k, v]) => `${k} ${fmt(v, 3)}`)
      .join(', ')}; RSS ${Object.entries(e2e.idle.rssMb)
      .map(([k, v]) => `${k} ${v} MB`)
      .join(', ')}. Documents stored per payment (three databases, after the run): ${fmt(e2e.documentsPerPayment, 1)}.`,
    '',
    `The ledger after the run (${e2e.audit.drained ? 'every acknowledged payment announced' : 'backlog NOT drained within 10 minutes'}): \`ledger:check\` ${e2e.audit.check.ok ? 'clean' : `FAILED (${e2e.audit.check.problems} problems)`}, \`ledger:verify\` ${e2e.audit.verify.ok ? 'clean' : `FAILED (${e2e.audit.verify.problems} problems)`}.`,
    '',
    documentsTable(e2e.documents),
    '',
    // The last step's database time: on FerretDB a lookup or update scans its whole collection, and this says which.
    ...(e2e.steps.length
      ? [
          `Database commands per acknowledged payment, all services, by step: ${e2e.steps
            .map((s) => `${s.rate}/s ${fmt(s.database.reduce((n, d) => n + d.count, 0) / Math.max(1, s.acked), 2)}`)
            .join(', ')}.`,
          '',
          `Database time in the last step (${e2e.steps.at(-1)!.rate}/s), the costliest command/collection pairs:`,
          '',
          mdTable(
            ['service', 'command', 'collection', 'commands', 'per payment', 'seconds', 'ms each'],
            e2e.steps
              .at(-1)!
              .database.slice(0, 12)
              .map((d) => [
                d.service,
                d.command,
                d.collection,
                d.count,
                fmt(d.count / Math.max(1, e2e.steps.at(-1)!.acked), 2),
                fmt(d.seconds, 1),
                fmt((1000 * d.seconds) / d.count, 1),
              ]),
          ),
          '',
        ]
      : []),
    e2e.best
      ? `Highest rate holding p99 (ack → SSE) under 1 s with no errors: **${e2e.best.rate}/s**, ${fmt(e2e.best.confirmedPerSecond, 1)} confirmed payments/s, which is ${fmt((100 * e2e.best.confirmedPerSecond) / Math.min(kafka.endToEndRate, mongo.insertRate), 2)} % of the floor (the slower of Kafka end to end and Mongo inserts).`
      : 'No step held p99 under 1 s without errors.',
    '',
    mdTable(
      ['service', 'peak RSS MB'],
      Object.entries(e2e.rssMb).map(([k, v]) => [k, v]),
    ),
    '',
    '## Dynamic QR issue (POST /stalls/:id/qr/dynamic: the payload, drawn by the phone; images only when their links are fetched) at fixed arrival rates',
    '',
    qrTable(qr),
    '',
    '## Memory (RSS) of the infrastructure after the run',
    '',
    mdTable(
      ['process', 'MB'],
      Object.entries(memory).map(([k, v]) => [k, v ?? 'n/a']),
    ),
    '',
  ].join('\n');
  writeResults('system', { started, machine, floor: { kafka, mongo }, e2e, qr, memory }, md);
  process.stdout.write(`\n${md}\n[bench] written to bench/results/system.json and system.md\n`);
  // The photo step needs no infrastructure and changes only with the QR reader: `--no-photos` skips it.
  if (process.argv.includes('--no-photos')) return;
  process.stdout.write('[bench] QR photo reading: ZXing-C++ (WebAssembly) and jsQR on the degraded photo set…\n');
  process.stdout.write(`\n${await photos()}\n[bench] written to bench/results/photos.json and photos.md\n`);
}

/** Per collection: documents kept per payment and their average BSON size. */
function documentsTable(documents: Record<string, { perPayment: number; bytesPerDocument: number }>): string {
  return mdTable(
    ['collection', 'documents per payment', 'bytes per document (BSON)'],
    Object.entries(documents)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, fmt(v.perPayment, 2), fmt(v.bytesPerDocument)]),
  );
}

/**
 * What the three consuming services' databases keep per payment, by collection, with document sizes: a short,
 * unhurried end-to-end step (the sizes do not depend on the rate), written to bench/results/documents.{json,md}
 * without touching system.json.
 */
async function documentsStep(brokers: string[], mongoUrl: string): Promise<void> {
  const started = new Date();
  process.stdout.write('[bench] documents per payment: 50 stalls, 10 payments/s for 30 s…\n');
  const e2e = await e2eBench(brokers, mongoUrl, { stalls: 50, steps: [{ rate: 10, seconds: 30 }] });
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
  const payments = e2e.steps.reduce((n, s) => n + s.acked, 0);
  const md = [
    `# MarketQR: what the databases keep per payment (${started.toISOString()})`,
    '',
    `Machine: ${machine}. Database: the MongoDB-wire server at ${mongoUrl}. ${e2e.stalls} stalls, ${payments} payments ` +
      'through the real path (signed webhook → ledger → Kafka → settlement and market-insights). Sizes are BSON, ' +
      "computed from the documents (what MongoDB's dataSize counts before compression), indexes not included.",
    '',
    `Documents per payment, all three databases: ${fmt(e2e.documentsPerPayment, 2)}.`,
    '',
    documentsTable(e2e.documents),
    '',
  ].join('\n');
  writeResults(
    'documents',
    {
      started,
      machine,
      stalls: e2e.stalls,
      payments,
      documentsPerPayment: e2e.documentsPerPayment,
      documents: e2e.documents,
    },
    md,
  );
  process.stdout.write(`\n${md}\n[bench] written to bench/results/documents.json and documents.md\n`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
