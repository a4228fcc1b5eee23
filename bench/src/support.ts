import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { createEvent, merchantActivatedV1, TOPICS } from '@marketqr/contracts';
import { repoRoot, waitFor } from '@marketqr/test-harness';

export const resultsDir = resolve(repoRoot, 'bench/results');

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function summarise(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    count: s.length,
    p50: percentile(s, 50),
    p95: percentile(s, 95),
    p99: percentile(s, 99),
    max: s[s.length - 1] ?? NaN,
  };
}

/** Resident memory of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number | undefined {
  try {
    const status = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8') as string;
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds the infrastructure has used so far, by what it is: Kafka (its JVM), FerretDB, PostgreSQL (all its
 * backends: one process per connection) — every process on the machine with that command name, from /proc (Linux).
 */
export function infraCpuSeconds(): Record<string, number> {
  const { readdirSync, readFileSync } = require('node:fs') as typeof import('node:fs');
  const out: Record<string, number> = { kafka: 0, ferretdb: 0, postgresql: 0 };
  const names: Record<string, string> = { java: 'kafka', ferretdb: 'ferretdb', postgres: 'postgresql' };
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = names[stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))];
      if (name) out[name]! += cpuSeconds(Number(pid)) ?? 0;
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = require('node:fs').readFileSync(`/proc/${pid}/stat`, 'utf8') as string;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

export interface ServiceProcess {
  name: string;
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts a built service (dist/main.js) on a free port with the given environment; resolves once it is ready. */
export async function startBuilt(name: string, main: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const path = resolve(repoRoot, main);
  if (!existsSync(path)) throw new Error(`${path} missing: build first (pnpm build)`);
  // BENCH_CPU_PROF=<folder>: each service writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${resolve(process.env.BENCH_CPU_PROF)}`]
    : [];
  const child = spawn(process.execPath, [...prof, path], {
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  // The service logs its port at info level; warn hides it, so ask for it through an explicit port instead.
  const port = Number(env.PORT ?? 0);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${name} exited:\n${out}`);
      const r = await fetch(`${url}/readyz`).catch(() => undefined);
      return r?.ok;
    },
    { timeoutMs: 60_000, what: `${name} ready` },
  );
  return {
    name,
    url,
    pid: child.pid!,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

let nextPort = 24_000 + Math.floor(Math.random() * 10_000);
export const freePort = () => nextPort++;

export function writeResults(name: string, json: unknown, markdown: string): void {
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(json, null, 2)}\n`);
  writeFileSync(join(resultsDir, `${name}.md`), markdown);
}

export function mdTable(headers: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

export const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';

/** A bench stall: its id, its code on the market's map and the virtual account its payments arrive on. */
export interface BenchStall {
  merchantId: string;
  stallCode: string;
  virtualAccount: string;
}

/** The bench market's stalls activated, as merchant-onboarding announces them (one `merchant.activated` each). */
export async function announceStalls(
  brokers: string[],
  topicPrefix: string,
  market: { marketId: string; bin: string },
  stalls: readonly BenchStall[],
): Promise<void> {
  const kafka = new Kafka({ brokers, clientId: 'bench-stalls', logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({
      topic: topicPrefix + TOPICS.merchantEvents.name,
      messages: stalls.map((s) => ({
        key: s.merchantId,
        value: JSON.stringify(
          createEvent(merchantActivatedV1, {
            aggregateId: s.merchantId,
            producer: 'bench',
            data: {
              merchantId: s.merchantId,
              marketId: market.marketId,
              marketName: 'Chợ Bench',
              zone: 'A',
              stallCode: s.stallCode,
              category: 'vegetables',
              vendorName: 'Nguyễn Thị Hoa',
              virtualAccount: { bin: market.bin, accountNumber: s.virtualAccount },
              payoutAccount: { bin: '970436', accountNumber: '0011223344', holderName: 'NGUYEN THI HOA' },
              status: 'active',
              activatedBy: 'bench',
              reactivation: false,
            },
          }),
        ),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}
