/**
 * The whole system for the browser tests: the bank simulator, the five services and the web server, each its own
 * process from its dist build (like `npm start`), on free ports, sharing a fresh topic prefix and with a database of
 * their own, against the real Kafka broker and MongoDB-wire server. Then the demo seed, through the real APIs.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, testInfra, uniqueName } from '@marketqr/test-harness';
import { startServiceProcess, type ServiceProcess } from '../../../../tests/support/service-process';

export interface Stack {
  urls: Record<'onboarding' | 'qr' | 'ledger' | 'settlement' | 'insights' | 'bank' | 'web', string>;
  processes: ServiceProcess[];
  adminPassword: string;
  /** The demo's logins as the seed wrote them. */
  logins: string;
  stop(): Promise<void>;
}

const JWT_SECRET = 'web-e2e-secret-that-is-at-least-32-characters';
const WEBHOOK_SECRET = 'web-e2e-webhook-secret-0123456789';
const ADMIN_PASSWORD = 'web-e2e-admin-password';

export async function startStack(): Promise<Stack> {
  const { kafkaBrokers, mongoUrl } = testInfra();
  const prefix = `${uniqueName('web')}.`;
  const common = {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    MONGO_URL: mongoUrl,
    KAFKA_TOPIC_PREFIX: prefix,
    JWT_SECRET,
    LOG_LEVEL: 'info',
  };
  const processes: ServiceProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => p.stop()));
  };
  try {
    // The simulator and web app are started through the same helper: it runs `<dir>/dist/main.js` under services/.
    const bank = await startServiceProcess('../infra/bank-simulator', { BANK_SIM_PORT: '0', BANK_SIM_SEED: 'web-e2e' });
    processes.push(bank);
    const db = (name: string) => ({ MONGO_DB: uniqueName(`test_web_${name.replace(/-/g, '_')}`) });
    const [onboarding, qr, ledger, settlement, insights] = await Promise.all([
      startServiceProcess('merchant-onboarding', {
        ...common,
        ...db('onboarding'),
        BANK_BASE_URL: bank.url,
        ADMIN_USERNAME: 'admin',
        ADMIN_PASSWORD,
        VERIFY_POLL_MS: '200',
      }),
      startServiceProcess('qr-generation', { ...common, ...db('qr') }),
      startServiceProcess('payment-ledger', {
        ...common,
        ...db('ledger'),
        WEBHOOK_SECRET_BANKSIM: WEBHOOK_SECRET,
        COLLECTION_ACCOUNTS: '2150008686=cho-nenh',
        MATCH_HOLD_MS: '2000',
      }),
      startServiceProcess('settlement', { ...common, ...db('settlement'), BANK_BASE_URL: bank.url }),
      startServiceProcess('market-insights', { ...common, ...db('insights') }),
    ]);
    processes.push(onboarding!, qr!, ledger!, settlement!, insights!);
    const web = await startServiceProcess('../apps/web', {
      MERCHANT_ONBOARDING_URL: onboarding!.url,
      QR_GENERATION_URL: qr!.url,
      PAYMENT_LEDGER_URL: ledger!.url,
      SETTLEMENT_URL: settlement!.url,
      MARKET_INSIGHTS_URL: insights!.url,
      BANK_SIMULATOR_URL: bank.url,
    });
    processes.push(web);
    const urls = {
      onboarding: onboarding!.url,
      qr: qr!.url,
      ledger: ledger!.url,
      settlement: settlement!.url,
      insights: insights!.url,
      bank: bank.url,
      web: web.url,
    };
    await Promise.all(processes.map((p) => waitReady(p)));

    // The demo seed, as `npm start` runs it, into a state folder of this run's own.
    const state = mkdtempSync(join(tmpdir(), 'marketqr-web-'));
    await promisify(execFile)(process.execPath, [resolve(repoRoot, 'scripts/demo/seed.js')], {
      env: {
        ...process.env,
        MARKETQR_STATE: state,
        MERCHANT_ONBOARDING_URL: urls.onboarding,
        QR_GENERATION_URL: urls.qr,
        PAYMENT_LEDGER_URL: urls.ledger,
        SETTLEMENT_URL: urls.settlement,
        BANK_SIMULATOR_URL: urls.bank,
        BANK_SIM_WEBHOOK_URL: `${urls.ledger}/webhooks/bank-sim`,
        WEBHOOK_SECRET_BANKSIM: WEBHOOK_SECRET,
        ADMIN_PASSWORD,
      },
      timeout: 120_000,
    });
    return {
      urls,
      processes,
      adminPassword: ADMIN_PASSWORD,
      logins: readFileSync(join(state, 'demo/logins.txt'), 'utf8'),
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function waitReady(p: ServiceProcess, timeoutMs = 60_000): Promise<void> {
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
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}
