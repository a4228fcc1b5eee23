import { decodeQr, type DecodedQr, type QrProblem } from '@marketqr/vietqr';
import type { ResolvedAccount, VirtualAccountRecord } from '../bank/accounts';
import type { BankInfo } from '../bank/banks';
import { NAPAS_MAX_AMOUNT } from '../bank/payouts';
import type { SimulatorState } from '../state';
import { bankError } from '../support/errors';
import type { NotifyOptions, WebhookDelivery } from '../webhooks/dispatcher';
import { bankDescription } from './description';
import type { ShopperRef, ShopperTransaction } from './shoppers';

/** NAPAS transfer services a shopper's app pays: to an account, or to a card number (treated alike here). */
const PAYABLE_SERVICES = ['QRIBFTTA', 'QRIBFTTC'];

/** What the "confirm" screen of a banking app knows once it has read a QR. */
export interface QrTarget {
  decoded: DecodedQr;
  bank: BankInfo;
  /** Name inquiry's answer for the account in the QR. */
  receiver: ResolvedAccount;
  virtualAccount: VirtualAccountRecord | undefined;
  /** `partner` when the QR names an account at this bank (booked here, notified); else `interbank`. */
  route: 'partner' | 'interbank';
  /** 54 as a number, or null when the payer types the amount. */
  qrAmount: number | null;
  /** Problems that do not stop a payment (an unknown service code, an over-long payload…). */
  warnings: QrProblem[];
}

/**
 * Reads a scanned payload the way a banking app does before showing "pay X to Y": decode, refuse what it cannot pay,
 * then ask the receiving bank who holds the account. Throws the app's refusal.
 */
export function readQr(state: SimulatorState, payload: string): QrTarget {
  const decoded = decodeQr(payload);
  if (!decoded.valid || !decoded.crcValid) {
    throw bankError('QR_INVALID', 'this is not a valid QR code', 400, {
      crcValid: decoded.crcValid,
      problems: decoded.errors,
    });
  }
  if (decoded.scheme !== 'vietqr') {
    throw bankError(
      'QR_SCHEME_UNSUPPORTED',
      `a ${decoded.scheme ?? 'non-EMVCo'} QR cannot be paid by NAPAS transfer`,
      422,
      {
        scheme: decoded.scheme ?? null,
        guid: decoded.guid ?? null,
      },
    );
  }
  if (!decoded.serviceCode || !PAYABLE_SERVICES.includes(decoded.serviceCode)) {
    throw bankError('QR_SCHEME_UNSUPPORTED', `NAPAS service ${decoded.serviceCode} is not a transfer`, 422, {
      scheme: decoded.scheme,
      serviceCode: decoded.serviceCode ?? null,
    });
  }
  // A valid VietQR has both; the checks keep the types honest.
  const bin = decoded.bin ?? '';
  const accountNumber = decoded.accountNumber ?? '';
  const bank = state.banks.get(bin);
  if (!bank) throw bankError('BIN_NOT_SUPPORTED', `no bank with BIN ${bin} takes NAPAS transfers`, 422, { bin });
  const receiver = state.accounts.resolve(bin, accountNumber);
  const route = bin === state.partnerBin ? 'partner' : 'interbank';
  const qrAmount = decoded.amount === undefined ? null : Number(decoded.amount);
  return {
    decoded,
    bank,
    receiver,
    virtualAccount: route === 'partner' ? state.accounts.virtualAccount(accountNumber) : undefined,
    route,
    qrAmount,
    warnings: decoded.errors.filter((p) => p.severity === 'warning'),
  };
}

export interface PayInput {
  payload: string;
  /** Required when the QR has no amount (54); else absent or equal to it, unless `allowAmountOverride`. */
  amount?: number;
  /** Tests of under- and overpayment: pay `amount` whatever the QR says. */
  allowAmountOverride?: boolean;
  /** Default: the seeded shoppers in turn. */
  shopperAccount?: ShopperRef;
  /** What the shopper typed as the content, replacing 62/08 (a shopper who overwrites the code). */
  description?: string;
  notify?: NotifyOptions;
}

/** The amount the app will send: the QR's, or the one the shopper typed, under the app's rules. */
export function amountToPay(qrAmount: number | null, input: Pick<PayInput, 'amount' | 'allowAmountOverride'>): number {
  let amount: number;
  if (qrAmount === null) {
    if (input.amount === undefined) {
      throw bankError('AMOUNT_REQUIRED', 'this QR has no amount: the shopper must enter one', 400);
    }
    amount = input.amount;
  } else if (input.amount === undefined || input.amount === qrAmount) {
    amount = qrAmount;
  } else if (input.allowAmountOverride) {
    amount = input.amount;
  } else {
    throw bankError('AMOUNT_MISMATCH', `this QR asks for ${qrAmount} đồng; it cannot be changed`, 400, {
      qrAmount,
      amount: input.amount,
    });
  }
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    throw bankError('INVALID_AMOUNT', 'an amount is a positive integer number of đồng', 400, { amount });
  }
  if (amount > NAPAS_MAX_AMOUNT) {
    throw bankError('AMOUNT_LIMIT_EXCEEDED', `NAPAS 247 takes under 500,000,000 đồng per transfer`, 422, { amount });
  }
  return amount;
}

/**
 * The shopper pays a scanned QR. Synchronous from checks to booking, so two payments from one account cannot both
 * spend the same balance. A QR of this bank is booked to the receiving account (a virtual account's money lands on
 * its collection account) and notified to the webhooks; a QR of another bank goes out as an interbank transfer that
 * this bank never books or notifies (a vendor's own account stuck over the stall's QR looks exactly like that).
 */
export function payQr(
  state: SimulatorState,
  input: PayInput,
): { transaction: ShopperTransaction; deliveries: WebhookDelivery[] } {
  const target = readQr(state, input.payload);
  const amount = amountToPay(target.qrAmount, input);
  const payer = input.shopperAccount === undefined ? state.shoppers.next() : state.shoppers.find(input.shopperAccount);
  if (payer.balance < amount) {
    throw bankError('INSUFFICIENT_FUNDS', 'the shopper does not have enough money for this payment', 422, {
      balance: payer.balance,
      amount,
    });
  }
  const { decoded, receiver, bank } = target;
  const content = input.description ?? decoded.purpose ?? '';
  const description = bankDescription({
    payerBankCode: payer.bankCode,
    payerAccount: payer.accountNumber,
    payerName: payer.nameAscii,
    receiverAccount: receiver.accountNumber,
    receiverName: receiver.accountNameAscii,
    receiverBankCode: bank.code,
    content,
    rng: state.shoppers.traceRng,
  });
  const now = state.now();

  let transactionId: string;
  let collectionAccount: string | null = null;
  let deliveries: WebhookDelivery[] = [];
  if (target.route === 'partner') {
    const credited = state.credit({
      toAccount: receiver.accountNumber,
      amount,
      description,
      fromBin: payer.bin,
      fromAccount: payer.accountNumber,
      bookedAt: now,
      notify: input.notify,
    });
    transactionId = credited.transfer.transactionId;
    collectionAccount = credited.transfer.to.accountNumber;
    deliveries = credited.deliveries;
  } else {
    transactionId = state.ledger.newTransactionId(now);
  }
  payer.balance -= amount;

  const transaction: ShopperTransaction = {
    transactionId,
    status: 'completed',
    route: target.route,
    amount,
    description,
    content,
    bookedAt: now.toISOString(),
    payer: {
      bin: payer.bin,
      bankShortName: payer.bankShortName,
      accountNumber: payer.accountNumber,
      name: payer.name,
      balanceAfter: payer.balance,
    },
    receiver: {
      bin: receiver.bin,
      bankShortName: bank.shortName,
      accountNumber: receiver.accountNumber,
      name: receiver.accountName,
      virtualAccount: target.virtualAccount?.virtualAccount ?? null,
      collectionAccount,
    },
    qr: {
      pointOfInitiation: decoded.pointOfInitiation ?? null,
      amount: target.qrAmount,
      purpose: decoded.purpose ?? null,
      merchantName: decoded.merchantName ?? null,
    },
    deliveryIds: deliveries.map((d) => d.id),
  };
  state.shoppers.record(transaction);
  return { transaction, deliveries };
}
