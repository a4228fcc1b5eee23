import { createHash } from 'node:crypto';
import { bankError } from '../support/errors';
import type { BankDirectory, BankInfo } from './banks';
import { holderNameFor, toAsciiUpper } from './names';

/** Vietnamese bank account numbers are digits; lengths run from 6 (old accounts) to 19 (card-linked, virtual). */
export const ACCOUNT_SHAPE = /^\d{6,19}$/;

export type AccountStatus = 'active' | 'closed' | 'missing';
export type AccountType = 'personal' | 'business' | 'virtual';

export interface ResolvedAccount {
  bin: string;
  bank: BankInfo;
  accountNumber: string;
  accountName: string;
  accountNameAscii: string;
  accountType: AccountType;
}

export interface RegisteredAccount {
  bin: string;
  accountNumber: string;
  name?: string;
  status: AccountStatus;
  type?: Exclude<AccountType, 'virtual'>;
}

export interface VirtualAccountRecord {
  virtualAccount: string;
  collectionAccount: string;
  bin: string;
  stallRef: string;
  displayName: string;
  createdAt: string;
}

/**
 * Every account the simulated banking system knows. Unless a test registers it otherwise, any well-shaped account at a
 * known BIN exists and belongs to a deterministic person, so flows work without setup; tests register the exceptions
 * (a closed account, a missing one, a name they want to assert on).
 */
export class AccountDirectory {
  private readonly registered = new Map<string, RegisteredAccount>();
  private readonly virtualByNumber = new Map<string, VirtualAccountRecord>();
  private readonly virtualByStall = new Map<string, VirtualAccountRecord>();
  private readonly virtualCount = new Map<string, number>();

  constructor(
    private readonly banks: BankDirectory,
    readonly partnerBin: string,
  ) {
    if (!banks.get(partnerBin)) throw new Error(`partner BIN ${partnerBin} is not in the bank list`);
  }

  register(account: RegisteredAccount): void {
    this.bankOf(account.bin);
    this.checkShape(account.accountNumber);
    this.registered.set(key(account.bin, account.accountNumber), { ...account });
  }

  /** Looks an account up as another bank would through NAPAS: throws the bank's rejection when it cannot be paid. */
  resolve(bin: string, accountNumber: string): ResolvedAccount {
    const bank = this.bankOf(bin);
    this.checkShape(accountNumber);
    if (bin === this.partnerBin) {
      const va = this.virtualByNumber.get(accountNumber);
      if (va) {
        return {
          bin,
          bank,
          accountNumber,
          accountName: va.displayName,
          accountNameAscii: toAsciiUpper(va.displayName),
          accountType: 'virtual',
        };
      }
    }
    const reg = this.registered.get(key(bin, accountNumber));
    if (reg?.status === 'missing') {
      throw bankError('ACCOUNT_NOT_FOUND', `no account ${accountNumber} at ${bank.shortName}`, 422, {
        bin,
        accountNumber,
      });
    }
    if (reg?.status === 'closed') {
      throw bankError('ACCOUNT_CLOSED', `account ${accountNumber} at ${bank.shortName} is closed`, 422, {
        bin,
        accountNumber,
      });
    }
    const accountName = reg?.name ?? holderNameFor(bin, accountNumber);
    return {
      bin,
      bank,
      accountNumber,
      accountName,
      accountNameAscii: toAsciiUpper(accountName),
      accountType: reg?.type ?? 'personal',
    };
  }

  /** An account of the partner bank itself (collection and operating accounts), which must be open. */
  resolvePartner(accountNumber: string): ResolvedAccount {
    const acc = this.resolve(this.partnerBin, accountNumber);
    if (acc.accountType === 'virtual') {
      throw bankError('NOT_PARTNER_ACCOUNT', `${accountNumber} is a virtual account, not a real one`, 422);
    }
    return acc;
  }

  /**
   * Issues the stall's virtual account under a collection account, or returns the one it already has: the bank keys
   * them by (collection account, stall ref), which is what makes registration safe to retry.
   */
  registerVirtual(
    collectionAccount: string,
    stallRef: string,
    displayName: string | undefined,
    now: Date,
  ): { record: VirtualAccountRecord; created: boolean } {
    const collection = this.resolvePartner(collectionAccount);
    const stallKey = `${collectionAccount}:${stallRef}`;
    const existing = this.virtualByStall.get(stallKey);
    if (existing) return { record: existing, created: false };
    const seq = (this.virtualCount.get(collectionAccount) ?? 0) + 1;
    this.virtualCount.set(collectionAccount, seq);
    // "96" + 4 digits of the collection account's hash + a 6-digit sequence: the same numbers across runs for the same
    // order of registrations, so fixtures and logs stay comparable.
    const prefix = createHash('sha256').update(collectionAccount).digest().readUInt16BE(0) % 10_000;
    const virtualAccount = `96${String(prefix).padStart(4, '0')}${String(seq).padStart(6, '0')}`;
    const record: VirtualAccountRecord = {
      virtualAccount,
      collectionAccount,
      bin: this.partnerBin,
      stallRef,
      displayName: displayName ?? `${collection.accountNameAscii} ${stallRef}`.slice(0, 70),
      createdAt: now.toISOString(),
    };
    this.virtualByNumber.set(virtualAccount, record);
    this.virtualByStall.set(stallKey, record);
    return { record, created: true };
  }

  virtualAccount(virtualAccount: string): VirtualAccountRecord | undefined {
    return this.virtualByNumber.get(virtualAccount);
  }

  clear(): void {
    this.registered.clear();
    this.virtualByNumber.clear();
    this.virtualByStall.clear();
    this.virtualCount.clear();
  }

  private bankOf(bin: string): BankInfo {
    const bank = this.banks.get(bin);
    if (!bank) throw bankError('BIN_NOT_SUPPORTED', `no bank with BIN ${bin} takes NAPAS transfers`, 422, { bin });
    return bank;
  }

  private checkShape(accountNumber: string): void {
    if (!ACCOUNT_SHAPE.test(accountNumber)) {
      throw bankError('ACCOUNT_INVALID', 'an account number is 6 to 19 digits', 422, { accountNumber });
    }
  }
}

const key = (bin: string, accountNumber: string) => `${bin}:${accountNumber}`;
