/**
 * Readiness: a service is ready when every dependency it needs answers now. `/readyz` runs each check with a deadline,
 * so a hung connection reports "not ready" quickly instead of hanging the probe.
 */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; latencyMs: number; error?: string }>;
}

export function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export async function runReadinessChecks(checks: ReadinessCheck[], deadlineMs = 2_000): Promise<ReadinessReport> {
  const entries = await Promise.all(
    checks.map(async (c) => {
      const started = performance.now();
      try {
        await withDeadline(c.check(), deadlineMs, c.name);
        return [c.name, { ok: true, latencyMs: Math.round(performance.now() - started) }] as const;
      } catch (e) {
        return [
          c.name,
          { ok: false, latencyMs: Math.round(performance.now() - started), error: (e as Error).message },
        ] as const;
      }
    }),
  );
  const result: ReadinessReport['checks'] = Object.fromEntries(entries);
  return { ready: entries.every(([, r]) => r.ok), checks: result };
}
