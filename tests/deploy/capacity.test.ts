/**
 * `pnpm capacity` (scripts/capacity.js): the plan's arithmetic on a made-up benchmark with round numbers, worked out
 * by hand below; its topic list against packages/contracts; its shard keys against collections that exist; and
 * docs/capacity.md quoting exactly what the script prints for the committed bench results. No infrastructure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPICS } from '@marketqr/contracts';
import { repoRoot } from '@marketqr/test-harness';

interface Scenario {
  key: string;
  rates: { average: number; peak: number; perDay: number; stalls: number; streams: number };
  replicas: Record<string, number>;
  kafka: { brokers: number; partitions: Record<string, number>; diskGbPerBroker: number };
  databases: Record<string, { writesPerSecond: number; replicaSets: number; gbPerDay: number }>;
}
interface Capacity {
  plan(system: object, documents?: object, assumptions?: object): { scenarios: Scenario[] };
  generate(): { markdown: string };
  withGenerated(doc: string, generated: string): string;
  TOPICS: { name: string; partitions: number; consumers: string[] }[];
  SHARD_KEYS: { collection: string }[];
}
const capacity = require(join(repoRoot, 'scripts/capacity.js')) as Capacity;

/**
 * At 10 payments/s: the ledger uses 0.2 of a core (0.1 idle), settlement 0.15 (0.05 idle), market-insights 0.1 (0.05
 * idle), so 10, 10 and 5 ms of CPU per payment; the ledger's idle beyond the others' (0.05 core) is 1,000 streams.
 */
const system = {
  machine: 'test machine',
  floor: { kafka: { endToEndRate: 10_000, bytes: 1_000 }, mongo: { insertRate: 1_000, concurrency: 16 } },
  e2e: {
    streams: 1_000,
    steps: [],
    best: {
      rate: 10,
      confirmedPerSecond: 10,
      cpu: { 'payment-ledger': 0.2, settlement: 0.15, 'market-insights': 0.1 },
    },
    idle: { cpu: { 'payment-ledger': 0.1, settlement: 0.05, 'market-insights': 0.05 } },
    rssMb: { 'payment-ledger': 150, settlement: 100, 'market-insights': 100 },
    documentsPerPayment: 6,
  },
  // 50/s held; 100/s reached only 80/s, which does not count.
  qr: {
    steps: [
      { rate: 50, achieved: 50, errors: 0 },
      { rate: 100, achieved: 80, errors: 0 },
    ],
    peakRssMb: 100,
  },
};
const documents = {
  documents: {
    'payment-ledger/inbox': { perPayment: 1, bytesPerDocument: 1_000 },
    // Swept after 14 days: counted as writes, not as data that grows.
    'payment-ledger/processed_events': { perPayment: 1, bytesPerDocument: 500 },
    'settlement/contributions': { perPayment: 2, bytesPerDocument: 250 },
  },
};

const scenario = (key: string, plan = capacity.plan(system, documents)) => plan.scenarios.find((s) => s.key === key)!;

test('a province at peak: rates, replicas from CPU per payment and stream cost, partitions, brokers, databases', () => {
  const p = scenario('province');
  // 230/s over 12 trading hours; peak five times that; 100 payments per stall per day.
  expect(p.rates.average).toBe(230);
  expect(p.rates.peak).toBe(1_150);
  expect(p.rates.perDay).toBe(230 * 12 * 3600);
  expect(p.rates.streams).toBeCloseTo(99_360, 6);
  // Ledger: (1,150 × 0.01 + 99,360 streams × 0.00005) / (0.6 − 0.05) = 16.468 / 0.55 = 29.9 → 30.
  // Settlement: 11.5 / 0.55 = 20.9 → 21. Insights: 5.75 / 0.55 = 10.5 → 11. QR: 1,150 / 50 = 23.
  expect(p.replicas).toMatchObject({
    'payment-ledger': 30,
    settlement: 21,
    'market-insights': 11,
    'qr-generation': 23,
    web: 30,
    'merchant-onboarding': 2,
  });
  // 1,150 × 3 messages × RF 3 = 10,350/s against half of one broker's 10,000/s: 2.07 → 3 (and never fewer than 3).
  expect(p.kafka.brokers).toBe(3);
  // Payment events feed settlement (21) and insights (11): 2 × 21 = 42, a multiple of 3 brokers already.
  // QR and ledger events: 2 × 11 (insights; the ledger's replicas follow its webhooks) = 22 → 24. Others: the contract.
  expect(p.kafka.partitions).toEqual({
    'marketqr.merchant.events.v1': 6,
    'marketqr.qr.events.v1': 24,
    'marketqr.payment.events.v1': 42,
    'marketqr.ledger.events.v1': 24,
    'marketqr.settlement.events.v1': 6,
  });
  // A day's 9.936 M payments × 3 messages × 1,000 bytes, kept 7 days, 3 copies over 3 brokers.
  expect(p.kafka.diskGbPerBroker).toBeCloseTo((9_936_000 * 3 * 1_000 * 7 * 3) / 3 / 1e9, 6);
  // Ledger: 2 documents + 8 transient writes per payment = 11,500 writes/s → 3 replica sets of 5,000; 1,000 bytes kept.
  expect(p.databases['payment-ledger']).toMatchObject({ writesPerSecond: 11_500, replicaSets: 3 });
  expect(p.databases['payment-ledger']!.gbPerDay).toBeCloseTo(9.936, 6);
  expect(p.databases.settlement).toMatchObject({ writesPerSecond: 2_300, replicaSets: 1 });
});

test('the country: brokers grow with the message rate; one market stays at the minimum everywhere', () => {
  // 3,500 × 3 × 3 = 31,500/s against 5,000/s per broker: 6.3 → 7.
  expect(scenario('country').kafka.brokers).toBe(7);
  const market = scenario('market');
  expect(market.rates.average).toBeCloseTo((500 * 100) / (12 * 3600), 9);
  expect(Object.values(market.replicas).every((n) => n === 2)).toBe(true);
  expect(Object.values(market.kafka.partitions).every((n) => n === 6)).toBe(true);
  expect(market.kafka.brokers).toBe(3);
});

test('assumptions can be changed, and without per-collection sizes the plan falls back to a stated estimate', () => {
  const doubled = capacity.plan(system, documents, { targetCpuPerReplica: 1.1 });
  // (16.468) / (1.1 − 0.05) = 15.7 → 16.
  expect(scenario('province', doubled).replicas['payment-ledger']).toBe(16);
  const estimated = capacity.plan(system, undefined);
  // 6 documents per payment spread over three databases, 600 bytes each (documentBytesFallback).
  expect(scenario('province', estimated).databases.settlement!.gbPerDay).toBeCloseTo((9_936_000 * 2 * 600) / 1e9, 6);
});

test('the topics it plans for are the contract’s, with the same partitions and consumers', () => {
  expect(
    capacity.TOPICS.map((t) => ({ name: t.name, partitions: t.partitions, consumers: [...t.consumers].sort() })),
  ).toEqual(
    Object.values(TOPICS).map((t) => ({ name: t.name, partitions: t.partitions, consumers: [...t.consumers].sort() })),
  );
});

test('every collection it proposes a shard key for exists in its service’s store', () => {
  for (const { collection } of capacity.SHARD_KEYS) {
    const [service, name] = collection.split('/') as [string, string];
    const source =
      service === '*'
        ? readFileSync(join(repoRoot, 'packages/messaging/src/processed-events.ts'), 'utf8')
        : readFileSync(join(repoRoot, 'services', service, 'src/store/models.ts'), 'utf8');
    expect({ collection, found: source.includes(`'${name}'`) }).toEqual({ collection, found: true });
  }
});

test('docs/capacity.md quotes what `pnpm capacity` prints for the committed bench results', () => {
  const doc = readFileSync(join(repoRoot, 'docs/capacity.md'), 'utf8');
  // When this fails after a new benchmark: `pnpm capacity --write` updates the document.
  expect(capacity.withGenerated(doc, capacity.generate().markdown)).toBe(doc);
});
