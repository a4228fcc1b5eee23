import type { BankDirectory, BankInfo } from '../bank/banks';
import { ACCOUNT_SHAPE, type AccountDirectory } from '../bank/accounts';
import { holderNameFor, toAsciiUpper } from '../bank/names';
import { bankError } from '../support/errors';
import { createRng, type Rng } from '../support/rng';

/** A shopper as their own bank (any bank, not only the partner) knows them. */
export interface ShopperAccount {
  bin: string;
  bankCode: string;
  bankShortName: string;
  accountNumber: string;
  /** With diacritics, as the shopper's bank holds it. */
  name: string;
  /** Upper case without diacritics, as NAPAS carries it. */
  nameAscii: string;
  /** Integer đồng. */
  balance: number;
  createdAt: string;
}

export interface ShopperAccountInput {
  /** Default: the next bank in a rotation of the banks most shoppers use. */
  bin?: string;
  /** Default: a number in the bank's usual shape, from the seeded RNG. */
  accountNumber?: string;
  /** Default: the deterministic holder name of (bin, account). */
  name?: string;
  /** Integer đồng; default 5,000,000. */
  balance?: number;
}

/** A payment made from the shopper's banking app. */
export interface ShopperTransaction {
  transactionId: string;
  status: 'completed';
  /** `partner`: booked by this bank and notified; `interbank`: sent to another bank, which this one never sees. */
  route: 'partner' | 'interbank';
  amount: number;
  /** As the receiving bank books it (and as webhooks carry it). */
  description: string;
  /** What the shopper's app put in the content: 62/08, or what the shopper typed. */
  content: string;
  bookedAt: string;
  payer: { bin: string; bankShortName: string; accountNumber: string; name: string; balanceAfter: number };
  receiver: {
    bin: string;
    bankShortName: string;
    /** The account in the QR: a virtual account, a collection account, or someone's account at another bank. */
    accountNumber: string;
    /** Name inquiry's answer: a virtual account's display name. */
    name: string;
    virtualAccount: string | null;
    /** Where the money landed at the partner bank; null for interbank. */
    collectionAccount: string | null;
  };
  qr: {
    pointOfInitiation: string | null;
    amount: number | null;
    purpose: string | null;
    merchantName: string | null;
  };
  /** Webhook deliveries this payment caused (one per endpoint and copy). */
  deliveryIds: string[];
}

/** Who a payment is from: `"<account>"` (when only one shopper has that number) or `{bin, accountNumber}`. */
export type ShopperRef = string | { bin: string; accountNumber: string };

/** The banks in the seeded rotation, with the leading digits and length of their retail account numbers. */
const SHOPPER_BANKS: { bin: string; prefix: string; length: number }[] = [
  { bin: '970436', prefix: '00', length: 13 }, // Vietcombank
  { bin: '970422', prefix: '09', length: 10 }, // MBBank (phone-number accounts)
  { bin: '970407', prefix: '190', length: 14 }, // Techcombank
  { bin: '970415', prefix: '10', length: 12 }, // VietinBank
  { bin: '970416', prefix: '2', length: 8 }, // ACB
  { bin: '970405', prefix: '15', length: 13 }, // Agribank
];

export const DEFAULT_SHOPPER_BALANCE = 5_000_000;
/** Seeded at start (and after a reset) when no shoppers are given. */
export const SEEDED_SHOPPERS = 6;

/**
 * The shoppers' side: accounts at many banks with balances, and the payments they made from their banking app.
 * Every shopper is also registered in the account directory, so a name inquiry on them answers their name.
 */
export class ShopperBank {
  private readonly accounts = new Map<string, ShopperAccount>();
  private readonly transactions = new Map<string, ShopperTransaction>();
  private rng: Rng;
  private created = 0;
  private rotation = 0;

  constructor(
    private readonly opts: {
      seed: string;
      banks: BankDirectory;
      directory: AccountDirectory;
      /** Given: the shoppers at start. Absent: SEEDED_SHOPPERS generated from the seed. */
      initial?: ShopperAccountInput[];
      now: () => Date;
    },
  ) {
    this.rng = createRng(`${opts.seed}:shoppers`);
  }

  /** Called at start and after every reset (after the account directory was cleared). */
  seed(): void {
    this.accounts.clear();
    this.transactions.clear();
    this.rng = createRng(`${this.opts.seed}:shoppers`);
    this.created = 0;
    this.rotation = 0;
    const initial =
      this.opts.initial ??
      Array.from({ length: SEEDED_SHOPPERS }, () => ({ balance: (2 + this.rng.int(48)) * 1_000_000 }));
    for (const input of initial) this.upsert(input);
  }

  /** Opens a shopper's account, or updates an existing one's name or balance. */
  upsert(input: ShopperAccountInput): { account: ShopperAccount; created: boolean } {
    const plan = SHOPPER_BANKS[this.created % SHOPPER_BANKS.length]!;
    const bin = input.bin ?? plan.bin;
    const bank = this.bankOf(bin);
    const accountNumber = input.accountNumber ?? this.newAccountNumber(bin, plan);
    if (!ACCOUNT_SHAPE.test(accountNumber)) {
      throw bankError('ACCOUNT_INVALID', 'an account number is 6 to 19 digits', 422, { accountNumber });
    }
    if (input.balance !== undefined && (!Number.isSafeInteger(input.balance) || input.balance < 0)) {
      throw bankError('INVALID_REQUEST', 'balance is a non-negative integer number of đồng', 400);
    }
    const existing = this.accounts.get(key(bin, accountNumber));
    if (existing) {
      if (input.name) {
        existing.name = input.name;
        existing.nameAscii = toAsciiUpper(input.name);
      }
      if (input.balance !== undefined) existing.balance = input.balance;
      this.register(existing);
      return { account: existing, created: false };
    }
    this.created += 1;
    const name = input.name ?? holderNameFor(bin, accountNumber);
    const account: ShopperAccount = {
      bin,
      bankCode: bank.code,
      bankShortName: bank.shortName,
      accountNumber,
      name,
      nameAscii: toAsciiUpper(name),
      balance: input.balance ?? DEFAULT_SHOPPER_BALANCE,
      createdAt: this.opts.now().toISOString(),
    };
    this.accounts.set(key(bin, accountNumber), account);
    this.register(account);
    return { account, created: true };
  }

  list(): ShopperAccount[] {
    return [...this.accounts.values()];
  }

  find(ref: ShopperRef): ShopperAccount {
    if (typeof ref !== 'string') {
      const found = this.accounts.get(key(ref.bin, ref.accountNumber));
      if (!found) throw notFound(`${ref.bin}/${ref.accountNumber}`);
      return found;
    }
    const matches = this.list().filter((a) => a.accountNumber === ref);
    if (matches.length === 0) throw notFound(ref);
    if (matches.length > 1) {
      throw bankError('INVALID_REQUEST', `several shoppers hold account ${ref}: give {bin, accountNumber}`, 400);
    }
    return matches[0]!;
  }

  /** Trace numbers in descriptions come from the shoppers' seeded stream. */
  get traceRng(): Rng {
    return this.rng;
  }

  record(tx: ShopperTransaction): void {
    this.transactions.set(tx.transactionId, tx);
  }

  transaction(id: string): ShopperTransaction | undefined {
    return this.transactions.get(id);
  }

  /** Newest last; `accountNumber` keeps the payments made from or to that account. */
  listTransactions(accountNumber?: string): ShopperTransaction[] {
    const all = [...this.transactions.values()];
    if (!accountNumber) return all;
    return all.filter(
      (t) =>
        t.payer.accountNumber === accountNumber ||
        t.receiver.accountNumber === accountNumber ||
        t.receiver.collectionAccount === accountNumber,
    );
  }

  /** Who pays when a payment names nobody: the shoppers in turn, so payers (and their banks) vary. */
  next(): ShopperAccount {
    const all = this.list();
    if (all.length === 0) throw notFound('(any)');
    return all[this.rotation++ % all.length]!;
  }

  private register(a: ShopperAccount): void {
    this.opts.directory.register({
      bin: a.bin,
      accountNumber: a.accountNumber,
      name: a.name,
      status: 'active',
      type: 'personal',
    });
  }

  private newAccountNumber(bin: string, plan: { bin: string; prefix: string; length: number }): string {
    const shape = plan.bin === bin ? plan : (SHOPPER_BANKS.find((b) => b.bin === bin) ?? { prefix: '1', length: 10 });
    for (;;) {
      let n = shape.prefix;
      while (n.length < shape.length) n += String(this.rng.int(10));
      if (!this.accounts.has(key(bin, n))) return n;
    }
  }

  private bankOf(bin: string): BankInfo {
    const bank = this.opts.banks.get(bin);
    if (!bank) throw bankError('BIN_NOT_SUPPORTED', `no bank with BIN ${bin} takes NAPAS transfers`, 422, { bin });
    return bank;
  }
}

const key = (bin: string, accountNumber: string) => `${bin}:${accountNumber}`;
const notFound = (ref: string) => bankError('SHOPPER_NOT_FOUND', `no shopper account ${ref}`, 404);
