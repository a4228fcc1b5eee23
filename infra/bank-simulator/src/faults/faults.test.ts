import { createRng } from '../support/rng';
import { FaultInjector, faultRuleSchema } from './faults';

function injector() {
  let now = 1_000_000;
  const rng = createRng('faults-unit');
  const f = new FaultInjector(
    () => rng,
    () => now,
  );
  return { f, advance: (ms: number) => (now += ms) };
}

test('the error rate falls linearly to zero over recoveryMs', () => {
  const { f, advance } = injector();
  f.set([faultRuleSchema.parse({ errorRate: 0.8, recoveryMs: 1_000 })]);
  expect(f.view()[0]!.currentErrorRate).toBeCloseTo(0.8);
  advance(250);
  expect(f.view()[0]!.currentErrorRate).toBeCloseTo(0.6);
  advance(750);
  expect(f.view()[0]!.currentErrorRate).toBe(0);
  for (let i = 0; i < 50; i++) expect(f.decide('payout').failure).toBeNull();
});

test('durationMs ends a rule; times counts matching requests only', () => {
  const { f, advance } = injector();
  f.set([
    faultRuleSchema.parse({ outage: true, durationMs: 500 }),
    faultRuleSchema.parse({ latencyMs: 100, times: 1, operations: ['statement'] }),
  ]);
  expect(f.decide('payout')).toMatchObject({ failure: 'reset', latencyMs: 0 });
  advance(500);
  expect(f.decide('payout').failure).toBeNull();
  expect(f.decide('statement')).toMatchObject({ latencyMs: 100, labels: ['latency:100'] });
  expect(f.decide('statement').labels).toEqual([]);
  expect(f.view()).toEqual([]);
});

test('a request failed by one rule does not spend the next rule', () => {
  const { f } = injector();
  f.set([
    faultRuleSchema.parse({ outage: true, outageMode: '503', times: 1 }),
    faultRuleSchema.parse({ lostResponse: 'drop', times: 1 }),
  ]);
  expect(f.decide('payout')).toMatchObject({ failure: '503', after: null });
  expect(f.decide('payout')).toMatchObject({ failure: null, after: { mode: 'drop' } });
  expect(f.decide('payout')).toMatchObject({ failure: null, after: null });
});
