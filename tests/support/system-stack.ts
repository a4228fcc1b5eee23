/**
 * The whole system as processes: the bank simulator, the five services and the web server, each its own process from
 * its dist build (like `npm start`), on free ports, sharing a fresh topic prefix and with a database of their own,
 * against a real Kafka broker and MongoDB-wire server. Then the demo seed, through the real APIs.
 *
 * Used by the browser tests (apps/web/test/support/stack.ts re-exports it) and by the fault suite (tests/faults), which
 * also needs: other infrastructure (a private Kafka/FerretDB pair), extra environment per service, extra replicas, and
 * killing/restarting one process on the same port (the simulator's webhook keeps pointing at it).
 */
import { execFile } from 'node:child_process';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { generateSigningKey } from '@marketqr/auth';
import { repoRoot, testInfra, uniqueName } from '@marketqr/test-harness';
import { startServiceProcess, type ServiceProcess } from './service-process';

export type StackService = 'onboarding' | 'qr' | 'ledger' | 'settlement' | 'insights';
type UrlName = StackService | 'bank' | 'web';

const DIRS: Record<StackService | 'bank' | 'web', string> = {
  onboarding: 'merchant-onboarding',
  qr: 'qr-generation',
  ledger: 'payment-ledger',
  settlement: 'settlement',
  insights: 'market-insights',
  bank: '../infra/bank-simulator',
  web: '../apps/web',
};

export interface StackOptions {
  /** Default: the jest global setup's infrastructure. */
  infra?: { kafkaBrokers: string[]; mongoUrl: string };
  /** Label of the topic prefix and databases. */
  label?: string;
  /** Extra environment per process (after the defaults). */
  env?: Partial<Record<StackService | 'bank', NodeJS.ProcessEnv>>;
  /** Start the web server too (default true). */
  web?: boolean;
  /** Run the demo seed (default true). */
  seed?: boolean;
  /** Extra environment of the demo seed (e.g. DEMO_ONBOARDED_DAYS_AGO for a test of the history replay). */
  seedEnv?: NodeJS.ProcessEnv;
  /**
   * Replicas of each of the five services (default 1): each on its own port, same database, same consumer group. The
   * web app is given every replica's URL (its proxy balances them), and with more than one the bank's webhook goes
   * through the web app's proxy too (the project's load balancer), so a restarted ledger replica loses no delivery.
   */
  replicas?: number;
}

export interface Stack {
  urls: Record<UrlName, string>;
  processes: ServiceProcess[];
  adminPassword: string;
  /** merchant-onboarding's token signing key (Ed25519, made for this run), for tests that mint their own tokens. */
  jwtKey: { kid: string; privateKey: KeyObject };
  webhookSecret: string;
  prefix: string;
  /** The database of each service. */
  dbs: Record<StackService, string>;
  /** The demo's logins as the seed wrote them. */
  logins: string;
  /** The current process of a service (the first replica). */
  proc(name: StackService | 'bank' | 'web'): ServiceProcess;
  /** The current processes of a service, one per replica started with `replicas` (index = replica). */
  replicas(name: StackService): ServiceProcess[];
  /** Kills one process (SIGKILL by default), waits for its exit. */
  kill(p: ServiceProcess, signal?: NodeJS.Signals): Promise<void>;
  /**
   * Stops one replica of the service (the first by default; SIGKILL by default, SIGTERM for a graceful stop), starts it
   * again with the same environment on the same port; resolves once it is ready.
   */
  restart(name: StackService, opts?: { replica?: number; signal?: NodeJS.Signals }): Promise<ServiceProcess>;
  /** Starts one more replica of a service (same database, same consumer group) on a free port, ready. */
  addReplica(name: StackService): Promise<ServiceProcess>;
  stop(): Promise<void>;
}

const WEBHOOK_SECRET = 'web-e2e-webhook-secret-0123456789';
const ADMIN_PASSWORD = 'web-e2e-admin-password';

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const { kafkaBrokers, mongoUrl } = opts.infra ?? testInfra();
  const label = opts.label ?? 'web';
  const prefix = `${uniqueName(label)}.`;
  // Tokens as deployed: an Ed25519 pair per run; the private key to merchant-onboarding only, which signs every token,
  // the public JWKS to the four services that verify them. The web app and the simulator get neither.
  const tokenKey = generateSigningKey('EdDSA');
  const common = {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    MONGO_URL: mongoUrl,
    KAFKA_TOPIC_PREFIX: prefix,
    JWT_ALGORITHM: 'EdDSA',
    LOG_LEVEL: 'info',
  };
  const verifier = { ...common, JWT_PUBLIC_KEYS: JSON.stringify(tokenKey.jwks) };
  const processes: ServiceProcess[] = [];
  const current = new Map<string, ServiceProcess>();
  const replicaSets = new Map<StackService, ServiceProcess[]>();
  const replicaCount = Math.max(1, opts.replicas ?? 1);
  const envOf = new Map<StackService, NodeJS.ProcessEnv>();
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  const dbs = {} as Record<StackService, string>;
  try {
    // The simulator and web app are started through the same helper: it runs `<dir>/dist/main.js` under services/.
    const bank = await startServiceProcess(DIRS.bank, {
      BANK_SIM_PORT: '0',
      BANK_SIM_SEED: `${label}-e2e`,
      ...opts.env?.bank,
    });
    processes.push(bank);
    current.set('bank', bank);
    const db = (name: StackService) => {
      dbs[name] = uniqueName(`test_${label}_${name}`);
      return { MONGO_DB: dbs[name] };
    };
    const specs: Record<StackService, NodeJS.ProcessEnv> = {
      onboarding: {
        ...common,
        JWT_PRIVATE_KEY: tokenKey.privateKeyPem,
        ...db('onboarding'),
        BANK_BASE_URL: bank.url,
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD,
        VERIFY_POLL_MS: '200',
      },
      qr: { ...verifier, ...db('qr') },
      ledger: {
        ...verifier,
        ...db('ledger'),
        WEBHOOK_SECRET_BANKSIM: WEBHOOK_SECRET,
        MATCH_HOLD_MS: '2000',
      },
      settlement: { ...verifier, ...db('settlement'), BANK_BASE_URL: bank.url },
      insights: { ...verifier, ...db('insights') },
    };
    const names = Object.keys(specs) as StackService[];
    for (const n of names) envOf.set(n, { ...specs[n], ...opts.env?.[n] });
    // Replicas start one service after another: two cores cannot start ten Node processes at once in good time.
    for (let r = 0; r < replicaCount; r++) {
      const started = await Promise.all(names.map((n) => startServiceProcess(DIRS[n], envOf.get(n)!)));
      names.forEach((n, i) => {
        processes.push(started[i]!);
        if (r === 0) current.set(n, started[i]!);
        replicaSets.set(n, [...(replicaSets.get(n) ?? []), started[i]!]);
      });
    }
    const urls = { bank: bank.url } as Record<UrlName, string>;
    for (const n of names) urls[n] = current.get(n)!.url;
    const all = (n: StackService) =>
      replicaSets
        .get(n)!
        .map((p) => p.url)
        .join(',');
    if (opts.web !== false) {
      const web = await startServiceProcess(DIRS.web, {
        MERCHANT_ONBOARDING_URL: all('onboarding'),
        QR_GENERATION_URL: all('qr'),
        PAYMENT_LEDGER_URL: all('ledger'),
        SETTLEMENT_URL: all('settlement'),
        MARKET_INSIGHTS_URL: all('insights'),
        BANK_SIMULATOR_URL: bank.url,
        // A starved test machine answers slowly, not wrongly: the proxy's 30 s give-up would turn slowness into a
        // red test (seen: a genuine check answered after 31 s under `stress-ng --cpu 2`). The browser waits longer.
        WEB_UPSTREAM_TIMEOUT_MS: '240000',
      });
      processes.push(web);
      current.set('web', web);
      urls.web = web.url;
    }
    await Promise.all(processes.map((p) => waitReady(p)));
    // What merchant-onboarding publishes is exactly what the verifiers were given: its public key, nothing private.
    const published = await json('GET', `${urls.onboarding}/.well-known/jwks.json`);
    if (JSON.stringify(published) !== JSON.stringify(tokenKey.jwks))
      throw new Error(`onboarding publishes ${JSON.stringify(published)}, not ${JSON.stringify(tokenKey.jwks)}`);

    // The demo seed, as `npm start` runs it, into a state folder of this run's own.
    const state = mkdtempSync(join(tmpdir(), `marketqr-${label}-`));
    let logins = '';
    if (opts.seed !== false) {
      await promisify(execFile)(process.execPath, [resolve(repoRoot, 'scripts/demo/seed.js')], {
        env: {
          ...process.env,
          MARKETQR_STATE: state,
          MERCHANT_ONBOARDING_URL: urls.onboarding,
          QR_GENERATION_URL: urls.qr,
          PAYMENT_LEDGER_URL: urls.ledger,
          SETTLEMENT_URL: urls.settlement,
          BANK_SIMULATOR_URL: urls.bank,
          BANK_SIM_WEBHOOK_URL:
            replicaCount > 1 && urls.web
              ? `${urls.web}/api/ledger/webhooks/bank-sim`
              : `${urls.ledger}/webhooks/bank-sim`,
          WEBHOOK_SECRET_BANKSIM: WEBHOOK_SECRET,
          ADMIN_PASSWORD,
          ...opts.seedEnv,
        },
        timeout: 480_000,
      });
      logins = readFileSync(join(state, 'demo/logins.txt'), 'utf8');
    }
    const kill = async (p: ServiceProcess, signal: NodeJS.Signals = 'SIGKILL') => {
      if (p.child.exitCode === null && p.child.signalCode === null) {
        const exited = new Promise((r) => p.child.once('exit', r));
        p.child.kill(signal);
        await exited;
      }
    };
    const start = async (name: StackService, port: string) => {
      const p = await startServiceProcess(DIRS[name], { ...envOf.get(name), PORT: port });
      processes.push(p);
      await waitReady(p);
      return p;
    };
    return {
      urls,
      processes,
      adminPassword: ADMIN_PASSWORD,
      jwtKey: { kid: tokenKey.kid, privateKey: tokenKey.privateKey },
      webhookSecret: WEBHOOK_SECRET,
      prefix,
      dbs,
      logins,
      proc: (name) => current.get(name)!,
      replicas: (name) => [...replicaSets.get(name)!],
      kill,
      restart: async (name, o = {}) => {
        const set = replicaSets.get(name)!;
        const i = o.replica ?? 0;
        const old = set[i]!;
        await kill(old, o.signal ?? 'SIGKILL');
        const p = await start(name, new URL(old.url).port);
        set[i] = p;
        if (i === 0) current.set(name, p);
        return p;
      },
      addReplica: (name) => start(name, '0'),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

export async function waitReady(p: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(`${p.url}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited:\n${p.logs().slice(-3_000)}`);
    if (Date.now() > deadline) throw new Error(`${p.name} not ready in ${timeoutMs} ms:\n${p.logs().slice(-3_000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function json(method: string, url: string, body?: unknown, token?: string): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}
