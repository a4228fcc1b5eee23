import type { BankInfo } from '../bank/banks';
import type { Transfer } from '../bank/ledger';
import { vnDateTime } from '../support/time';
import { signBankSim, signCasso, signSepay } from './signing';

export const WEBHOOK_PROVIDERS = ['bank-sim', 'sepay', 'casso'] as const;
/** The notification format (and signature scheme) a receiver expects. */
export type WebhookProvider = (typeof WEBHOOK_PROVIDERS)[number];

/** Everything the formats need about one credit, fixed when it is booked so every copy and retry carries the same. */
export interface CreditNotice {
  transfer: Transfer;
  /** The partner bank (the receiving bank). */
  bank: BankInfo;
  /** The payer's bank, when it is in the list. */
  counterpartyBank: BankInfo | undefined;
  /** The collection account's balance right after this credit, integer đồng. */
  balanceAfter: number;
  /** The virtual account's display name, or null when the credit went straight to the collection account. */
  virtualAccountName: string | null;
  /** SePay's numeric transaction id (unique per credit). */
  sepayId: number;
  /** Casso's numeric transaction id (unique per credit). */
  cassoId: number;
  /** SePay's `referenceCode`: `MBVCB.<digits>`. */
  referenceCode: string;
}

/** Our own format, which the payment-ledger service takes as its native one. */
export interface BankSimNotification {
  transactionId: string;
  direction: 'in';
  amount: number;
  description: string;
  accountNumber: string;
  virtualAccount: string | null;
  bankBin: string;
  bookedAt: string;
  counterparty: { bin: string; accountNumber: string; name: string } | null;
}

export interface SepayNotification {
  id: number;
  gateway: string;
  transactionDate: string;
  accountNumber: string;
  code: null;
  content: string;
  transferType: 'in';
  transferAmount: number;
  accumulated: number;
  subAccount: string | null;
  referenceCode: string;
}

export interface CassoNotification {
  error: 0;
  data: {
    id: number;
    reference: string;
    description: string;
    amount: number;
    runningBalance: number;
    transactionDateTime: string;
    accountNumber: string;
    bankName: string;
    bankAbbreviation: string;
    virtualAccountNumber: string;
    virtualAccountName: string;
    counterAccountName: string;
    counterAccountNumber: string;
    counterAccountBankId: string;
    counterAccountBankName: string;
  };
}

export type Notification = BankSimNotification | SepayNotification | CassoNotification;

/** The JSON body of a notification, keys in the documented order (the order they are sent in). */
export function notificationBody(provider: WebhookProvider, n: CreditNotice): Notification {
  const t = n.transfer;
  const bookedAt = new Date(t.bookedAt);
  switch (provider) {
    case 'bank-sim':
      return {
        transactionId: t.transactionId,
        direction: 'in',
        amount: t.amount,
        description: t.description,
        accountNumber: t.to.accountNumber,
        virtualAccount: t.virtualAccount,
        bankBin: t.to.bin,
        bookedAt: t.bookedAt,
        counterparty: t.from.accountNumber
          ? { bin: t.from.bin, accountNumber: t.from.accountNumber, name: t.from.name }
          : null,
      };
    case 'sepay':
      return {
        id: n.sepayId,
        gateway: n.bank.shortName,
        transactionDate: vnDateTime(bookedAt),
        accountNumber: t.to.accountNumber,
        code: null,
        content: t.description,
        transferType: 'in',
        transferAmount: t.amount,
        accumulated: n.balanceAfter,
        subAccount: t.virtualAccount,
        referenceCode: n.referenceCode,
      };
    case 'casso':
      // Casso sends "" for a string it does not have (no virtual account, a bank that gives no counterparty).
      return {
        error: 0,
        data: {
          id: n.cassoId,
          reference: t.transactionId,
          description: t.description,
          amount: t.amount,
          runningBalance: n.balanceAfter,
          transactionDateTime: vnDateTime(bookedAt),
          accountNumber: t.to.accountNumber,
          bankName: n.bank.shortName,
          bankAbbreviation: n.bank.code,
          virtualAccountNumber: t.virtualAccount ?? '',
          virtualAccountName: n.virtualAccountName ?? '',
          counterAccountName: t.from.name,
          counterAccountNumber: t.from.accountNumber,
          counterAccountBankId: t.from.bin,
          counterAccountBankName: n.counterpartyBank?.shortName ?? '',
        },
      };
  }
}

/** The headers of one attempt, signed with the attempt's own clock (receivers check a timestamp window). */
export function signedHeaders(
  provider: WebhookProvider,
  secret: string,
  rawBody: string,
  body: unknown,
  nowMs: number,
): Record<string, string> {
  const seconds = Math.floor(nowMs / 1000);
  const common = { 'content-type': 'application/json', 'user-agent': 'marketqr-bank-simulator/0.1' };
  switch (provider) {
    case 'bank-sim':
      return {
        ...common,
        'x-marketqr-timestamp': String(seconds),
        'x-marketqr-signature': signBankSim(secret, seconds, rawBody),
      };
    case 'sepay':
      return {
        ...common,
        'x-sepay-timestamp': String(seconds),
        'x-sepay-signature': signSepay(secret, seconds, rawBody),
      };
    case 'casso':
      return { ...common, 'x-casso-signature': signCasso(secret, nowMs, body) };
  }
}
