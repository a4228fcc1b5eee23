import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { repoRoot, waitFor } from '@marketqr/test-harness';

export const SERVICES = [
  'merchant-onboarding',
  'qr-generation',
  'payment-ledger',
  'settlement',
  'market-insights',
] as const;

export interface ServiceProcess {
  name: string;
  url: string;
  child: ChildProcess;
  logs: () => string;
  /** SIGTERM and wait for the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * Starts a built service (`services/<name>/dist/main.js`) as its own process, the way the README's command does, on a
 * free port, and resolves once it logs the port it listens on. `pnpm test` builds first.
 */
export async function startServiceProcess(name: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const main = resolve(repoRoot, 'services', name, 'dist/main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`pnpm build\` (pnpm test does) first`);
  const child = spawn(process.execPath, [main], {
    // LOG_FILE emptied: the parent reads the child's stdout for its port and keeps its logs in memory.
    env: { ...process.env, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', LOG_FILE: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Also kept on disk, so a failed run can be read afterwards: test-results/logs/stack/<name>-<pid>.log.
  const dir = resolve(repoRoot, 'test-results', 'logs', 'stack');
  mkdirSync(dir, { recursive: true });
  const file = createWriteStream(resolve(dir, `${basename(name)}-${child.pid ?? 'unknown'}.log`));
  const keep = (d: Buffer) => {
    output += d.toString();
    file.write(d);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', () => file.end());
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const port = await waitFor(
    () => {
      const m = /"port":(\d+)[^\n]*"msg":"http listening"/.exec(output);
      if (m) return Number(m[1]);
      // A process that exited will never listen: stop polling at once.
      if (child.exitCode !== null) return -1;
      return undefined;
    },
    { what: `${name} to listen` },
  );
  if (port < 0) throw new Error(`${name} exited with ${child.exitCode} before listening:\n${output}`);
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    child,
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

// Tests walk response bodies freely; a typed client would add nothing here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, body };
}
