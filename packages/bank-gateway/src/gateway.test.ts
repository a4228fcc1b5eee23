import { Registry } from 'prom-client';
import { createBankGateway } from './gateway';
import { METRIC_NAMES } from './metrics';
import { resolveOperationOptions } from './options';

const base = { baseUrl: 'http://127.0.0.1:1', apiKey: 'k' };

test('options resolve per operation: built-in defaults < gateway defaults < the operation own', () => {
  const opts = {
    ...base,
    timeoutMs: 1_000,
    operations: { statement: { timeoutMs: 9_000, retry: { maxAttempts: 1 } } },
  };
  expect(resolveOperationOptions(opts, 'name_inquiry')).toMatchObject({ timeoutMs: 1_000, retry: { maxAttempts: 3 } });
  expect(resolveOperationOptions(opts, 'statement')).toMatchObject({ timeoutMs: 9_000, retry: { maxAttempts: 1 } });
  expect(resolveOperationOptions(base, 'payout').timeoutMs).toBe(15_000);
});

test('bad options fail at construction, naming the problem', () => {
  expect(() => createBankGateway({ ...base, baseUrl: 'not a url' })).toThrow(/baseUrl/);
  expect(() => createBankGateway({ ...base, apiKey: '' })).toThrow(/apiKey/);
  expect(() => createBankGateway({ ...base, retry: { maxAttempts: 0 } })).toThrow(/maxAttempts/);
  expect(() => createBankGateway({ ...base, breaker: { errorThresholdPercentage: 150 } })).toThrow(/errorThreshold/);
  expect(() => createBankGateway({ ...base, operations: { refund: {} } as never })).toThrow(/unknown operation/);
});

test('every breaker starts closed in the metrics, and two gateways can share one registry', async () => {
  const registry = new Registry();
  const a = createBankGateway({ ...base, registry });
  const b = createBankGateway({ ...base, registry });
  const text = await registry.metrics();
  for (const op of ['name_inquiry', 'virtual_account', 'transaction_lookup', 'payout', 'payout_status', 'statement']) {
    expect(text).toContain(`${METRIC_NAMES.state}{operation="${op}"} 0`);
  }
  expect(a.breakerStates()).toEqual(b.breakerStates());
  a.shutdown();
  b.shutdown();
});
