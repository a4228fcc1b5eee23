import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from '@marketqr/service-kit';
import { AccountDirectory, type RegisteredAccount } from './bank/accounts';
import { BankDirectory } from './bank/banks';
import { Ledger, type Transfer } from './bank/ledger';
import { PayoutStore } from './bank/payouts';
import { FaultInjector, type FaultRule } from './faults/faults';
import { RequestLog } from './http/request-log';
import { bankError } from './support/errors';
import { createRng, type Rng } from './support/rng';
import { ShopperBank, type ShopperAccountInput } from './shopper/shoppers';
import {
  WebhookDispatcher,
  type NotifyOptions,
  type RetryPolicy,
  type WebhookDelivery,
  type WebhookEndpointInput,
} from './webhooks/dispatcher';

export interface SimulatorStateOptions {
  seed: string;
  partnerBin: string;
  operatingAccount: string;
  apiKey?: string;
  now: () => Date;
  /** Registered at start and again after every reset. */
  accounts: RegisteredAccount[];
  faults: FaultRule[];
  /** Webhook endpoints configured at start (and again after every reset). */
  webhooks: WebhookEndpointInput[];
  webhookRetry: RetryPolicy;
  /** Shoppers at start; absent: a few generated from the seed. */
  shoppers?: ShopperAccountInput[];
  logger?: Logger;
}

export interface IncomingTransferInput {
  /** A virtual account of a stall, or a collection account, at the partner bank. */
  toAccount: string;
  amount: number;
  description?: string;
  fromBin?: string;
  fromAccount?: string;
  bookedAt?: Date;
  /** Per-credit webhook options (duplicates, delay, format override). */
  notify?: NotifyOptions;
}

/**
 * Everything the simulated bank holds, in memory, shared by every route area. New areas (the shopper's banking app,
 * webhooks) get this object and add to it rather than keeping state of their own, so `reset()` clears them too.
 */
export class SimulatorState {
  readonly banks = new BankDirectory();
  readonly accounts: AccountDirectory;
  readonly ledger: Ledger;
  readonly payouts: PayoutStore;
  readonly faults: FaultInjector;
  readonly requests = new RequestLog();
  /** Notifies MarketQR of credits by signed webhooks. */
  readonly webhooks: WebhookDispatcher;
  /** The shoppers' accounts at any bank, and the payments made from their banking app. */
  readonly shoppers: ShopperBank;
  private idRng: Rng;
  private faultRng: Rng;
  private readonly stopping = new AbortController();
  private readonly resetHooks: (() => void)[] = [];

  constructor(readonly options: SimulatorStateOptions) {
    // Separate streams: whether a fault fired must not shift the ids of later transfers, and vice versa.
    this.idRng = createRng(`${options.seed}:ids`);
    this.faultRng = createRng(`${options.seed}:faults`);
    this.accounts = new AccountDirectory(this.banks, options.partnerBin);
    this.ledger = new Ledger(() => this.idRng);
    this.payouts = new PayoutStore(this.accounts, this.ledger, () => this.idRng, options.operatingAccount);
    this.faults = new FaultInjector(() => this.faultRng);
    this.webhooks = new WebhookDispatcher({
      seed: options.seed,
      banks: this.banks,
      partnerBin: options.partnerBin,
      retry: options.webhookRetry,
      endpoints: options.webhooks,
      balanceOf: (account) => this.ledger.balanceOf(options.partnerBin, account),
      virtualAccountName: (va) => this.accounts.virtualAccount(va)?.displayName ?? null,
      logger: options.logger,
    });
    this.shoppers = new ShopperBank({
      seed: options.seed,
      banks: this.banks,
      directory: this.accounts,
      initial: options.shoppers,
      now: () => this.now(),
    });
    this.seedData();
  }

  get seed(): string {
    return this.options.seed;
  }
  get partnerBin(): string {
    return this.options.partnerBin;
  }
  now(): Date {
    return this.options.now();
  }

  /** Back to the state right after start (same seed, same initial accounts and faults). */
  reset(): void {
    this.idRng = createRng(`${this.options.seed}:ids`);
    this.faultRng = createRng(`${this.options.seed}:faults`);
    this.accounts.clear();
    this.ledger.clear();
    this.payouts.clear();
    this.faults.reset();
    this.requests.clear();
    this.webhooks.reset();
    for (const hook of this.resetHooks) hook();
    this.seedData();
  }

  /** For route areas that keep state of their own. */
  onReset(hook: () => void): void {
    this.resetHooks.push(hook);
  }

  /** A wait that ends early (false) when the simulator stops, so a slow fault never holds a test run open. */
  async pause(ms: number): Promise<boolean> {
    if (ms <= 0) return !this.stopping.signal.aborted;
    try {
      await delay(ms, undefined, { signal: this.stopping.signal });
      return true;
    } catch {
      return false;
    }
  }

  get stopped(): boolean {
    return this.stopping.signal.aborted;
  }

  stop(): void {
    this.stopping.abort();
    this.webhooks.stop();
  }

  /**
   * A transfer from some bank customer into a collection account (directly or through a stall's virtual account),
   * notified to the webhooks that cover it. The shopper's banking app pays through `credit` too.
   */
  receiveTransfer(input: IncomingTransferInput): Transfer {
    return this.credit(input).transfer;
  }

  /** Books a credit and queues its webhook deliveries. */
  credit(input: IncomingTransferInput): { transfer: Transfer; deliveries: WebhookDelivery[] } {
    const transfer = this.bookCredit(input);
    return { transfer, deliveries: this.webhooks.notifyCredit(transfer, input.notify) };
  }

  private bookCredit(input: IncomingTransferInput): Transfer {
    if (!Number.isSafeInteger(input.amount) || input.amount <= 0) {
      throw bankError('INVALID_REQUEST', 'amount must be a positive integer number of đồng', 400);
    }
    const target = this.accounts.resolve(this.partnerBin, input.toAccount);
    const va = target.accountType === 'virtual' ? this.accounts.virtualAccount(input.toAccount) : undefined;
    const credited = va ? this.accounts.resolvePartner(va.collectionAccount) : target;
    const fromBin = input.fromBin ?? '970436';
    const fromAccount = input.fromAccount ?? `10${String(this.idRng.int(1e10)).padStart(10, '0')}`;
    const payer = this.accounts.resolve(fromBin, fromAccount);
    return this.ledger.book(
      {
        kind: 'incoming',
        amount: input.amount,
        description: input.description ?? `${va?.stallRef ?? 'QR'} chuyen tien`,
        from: { bin: payer.bin, accountNumber: payer.accountNumber, name: payer.accountNameAscii },
        to: { bin: credited.bin, accountNumber: credited.accountNumber, name: credited.accountNameAscii },
        virtualAccount: va?.virtualAccount ?? null,
        payoutId: null,
      },
      input.bookedAt ?? this.now(),
    );
  }

  private seedData(): void {
    this.shoppers.seed();
    for (const account of this.options.accounts) this.accounts.register(account);
    if (this.options.faults.length) this.faults.set(this.options.faults);
  }
}
