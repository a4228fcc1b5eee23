import { randomBytes } from 'node:crypto';
import { createLogger, startService, type Logger, type RunningService } from '@marketqr/service-kit';
import type { RegisteredAccount } from './bank/accounts';
import type { Transfer } from './bank/ledger';
import type { PayoutRecord } from './bank/payouts';
import { faultRuleSchema, type BankOperation, type FaultRule, type FaultView } from './faults/faults';
import type { RequestLogEntry } from './http/request-log';
import { accountsArea } from './routes/accounts.routes';
import { adminArea } from './routes/admin.routes';
import type { SimulatorArea } from './routes/area';
import { payoutsArea } from './routes/payouts.routes';
import { shopperArea } from './routes/shopper.routes';
import { transactionsArea } from './routes/transactions.routes';
import { retryPolicySchema, webhookEndpointSchema, webhooksArea } from './routes/webhooks.routes';
import { payQr, type PayInput } from './shopper/pay';
import type { ShopperAccount, ShopperAccountInput, ShopperTransaction } from './shopper/shoppers';
import { SimulatorState, type IncomingTransferInput } from './state';
import {
  DEFAULT_RETRY_POLICY,
  type DeliveryFilter,
  type RetryPolicy,
  type WebhookDelivery,
  type WebhookEndpointInput,
  type WebhookEndpointView,
} from './webhooks/dispatcher';

export const SIMULATOR_NAME = 'bank-simulator';
export const SIMULATOR_VERSION = '0.1.0';
export const DEFAULT_PORT = 4199;
/** BIDV: a partner bank that offers virtual accounts under a collection account. */
export const DEFAULT_PARTNER_BIN = '970418';
export const DEFAULT_OPERATING_ACCOUNT = '1200888888';

/** Route areas, each mounted in turn. */
const AREAS: SimulatorArea[] = [accountsArea, transactionsArea, payoutsArea, adminArea, webhooksArea, shopperArea];

export interface BankSimulatorOptions {
  /** 0 (the default) picks a free port: what tests want. */
  port?: number;
  host?: string;
  /** Seeds fault draws and ids. Omitted: a random seed, logged, so a run can be replayed. */
  seed?: string | number;
  /** When set, bank routes require `x-api-key` to match (401 UNAUTHORIZED otherwise). */
  apiKey?: string;
  /** The simulated partner bank's BIN (its collection, operating and virtual accounts live there). */
  partnerBin?: string;
  /** Debited by payouts that name no `sourceAccount`. */
  operatingAccount?: string;
  /** The bank's clock for booking times and business days; fault timing always uses real time. */
  now?: () => Date;
  /** Accounts registered at start and after every reset. */
  accounts?: RegisteredAccount[];
  /** Faults in force from the start (and after every reset). */
  faults?: FaultRule[];
  /** Webhook endpoints from the start (and after every reset); more can be added at run time. */
  webhooks?: WebhookEndpointInput[];
  /** Default retry policy of every endpoint (each may override it). Tests shorten the waits. */
  webhookRetry?: Partial<RetryPolicy>;
  /** The shoppers at start (and after every reset); default: six generated from the seed, at six banks. */
  shoppers?: ShopperAccountInput[];
  logger?: Logger;
  /** When no logger is given. Tests default to silent. */
  logLevel?: string;
  /** Exit on SIGTERM/SIGINT after a graceful stop: the standalone process only. */
  handleSignals?: boolean;
}

export interface RunningBankSimulator {
  url: string;
  port: number;
  seed: string;
  /** The bank's memory, for areas and tests that need more than the helpers below. */
  state: SimulatorState;
  service: RunningService;
  stop(): Promise<void>;
  /** Replaces the faults in force (or adds to them with `append`). Validated like the admin API. */
  setFaults(rules: FaultRule | FaultRule[], opts?: { append?: boolean }): FaultView[];
  clearFaults(): void;
  reset(): void;
  requests(filter?: { operation?: BankOperation }): RequestLogEntry[];
  requestCount(operation?: BankOperation): number;
  ledger(): Transfer[];
  payouts(): PayoutRecord[];
  registerAccount(account: RegisteredAccount): void;
  /** Books a credit and notifies the webhooks that cover it (as `POST /__admin/incoming-transfers`). */
  receiveTransfer(input: IncomingTransferInput): Transfer;
  addWebhook(endpoint: WebhookEndpointInput): WebhookEndpointView;
  removeWebhook(id: string): boolean;
  webhookDeliveries(filter?: DeliveryFilter): WebhookDelivery[];
  addShopper(account: ShopperAccountInput): ShopperAccount;
  /** A shopper pays a scanned QR (as `POST /shopper/pay`). */
  pay(input: PayInput): ShopperTransaction;
}

export async function startBankSimulator(opts: BankSimulatorOptions = {}): Promise<RunningBankSimulator> {
  const seed = String(opts.seed ?? randomBytes(6).toString('hex'));
  const logger = opts.logger ?? createLogger(SIMULATOR_NAME, opts.logLevel ?? 'silent');
  const operatingAccount = opts.operatingAccount ?? DEFAULT_OPERATING_ACCOUNT;
  const partnerBin = opts.partnerBin ?? DEFAULT_PARTNER_BIN;
  const state = new SimulatorState({
    seed,
    partnerBin,
    operatingAccount,
    apiKey: opts.apiKey,
    now: opts.now ?? (() => new Date()),
    accounts: [
      {
        bin: partnerBin,
        accountNumber: operatingAccount,
        name: 'Công ty Cổ phần MarketQR',
        status: 'active',
        type: 'business',
      },
      ...(opts.accounts ?? []),
    ],
    faults: (opts.faults ?? []).map((f) => faultRuleSchema.parse(f)),
    webhooks: (opts.webhooks ?? []).map((w) => webhookEndpointSchema.parse(w)),
    webhookRetry: { ...DEFAULT_RETRY_POLICY, ...retryPolicySchema.parse(opts.webhookRetry ?? {}) },
    shoppers: opts.shoppers,
    logger,
  });

  const host = opts.host ?? '127.0.0.1';
  const service = await startService({
    name: SIMULATOR_NAME,
    version: SIMULATOR_VERSION,
    host,
    port: opts.port ?? 0,
    logger,
    resources: [],
    routes: AREAS.flatMap((a) => a.routes),
    mount: (app) => {
      for (const area of AREAS) area.mount(app, state);
    },
    shutdownTimeoutMs: 5_000,
    handleSignals: opts.handleSignals ?? false,
  });
  await service.ready;
  logger.info(
    {
      port: service.port,
      seed,
      partnerBin,
      webhooks: state.webhooks.listEndpoints().map((w) => ({ id: w.id, url: w.url, provider: w.provider })),
    },
    'bank simulator ready',
  );

  let stopped: Promise<void> | undefined;
  return {
    url: `http://${host}:${service.port}`,
    port: service.port,
    seed,
    state,
    service,
    stop: () =>
      (stopped ??= (async () => {
        // Wake every fault-induced wait first, so the server can close without waiting out a 30 s latency.
        state.stop();
        await service.stop();
      })()),
    setFaults: (rules, o) =>
      state.faults.set(
        (Array.isArray(rules) ? rules : [rules]).map((r) => faultRuleSchema.parse(r)),
        o?.append ?? false,
      ),
    clearFaults: () => state.faults.clear(),
    reset: () => state.reset(),
    requests: (filter) => state.requests.list(filter),
    requestCount: (operation) => state.requests.count(operation),
    ledger: () => state.ledger.all(),
    payouts: () => state.payouts.all(),
    registerAccount: (account) => state.accounts.register(account),
    receiveTransfer: (input) => state.receiveTransfer(input),
    addWebhook: (endpoint) => state.webhooks.addEndpoint(webhookEndpointSchema.parse(endpoint)),
    removeWebhook: (id) => state.webhooks.removeEndpoint(id),
    webhookDeliveries: (filter) => state.webhooks.list(filter),
    addShopper: (account) => state.shoppers.upsert(account).account,
    pay: (input) => payQr(state, input).transaction,
  };
}
