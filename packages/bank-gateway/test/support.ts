import { Registry } from 'prom-client';
import { createBankGateway, type BankGateway, type BankGatewayOptions } from '../src';
import type { RunningBankSimulator } from '../../../infra/bank-simulator/src';

/** Polls until `check` returns a truthy value or the deadline passes: tests wait for a state, never for a time. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Small timeouts and delays so failure paths run in milliseconds. */
export function testGateway(
  sim: Pick<RunningBankSimulator, 'url'>,
  overrides: Partial<BankGatewayOptions> = {},
): BankGateway & { registry: Registry } {
  return createBankGateway({
    baseUrl: sim.url,
    apiKey: 'test-key',
    timeoutMs: 200,
    retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    breaker: { volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 300, rollingCountTimeoutMs: 10_000 },
    registry: new Registry(),
    ...overrides,
  });
}

/** The value of one labelled series, 0 when it was never touched. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want));
  return hit?.value ?? 0;
}

export async function caught(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, it succeeded');
}
