import { AppError, conflict, KeyedMutex, notFound, type Logger } from '@marketqr/service-kit';
import type { Actor } from '../access';
import { accounts, stallOfAccount } from '../domain/accounts';
import { businessDayOf } from '../domain/time';
import type { Cause } from '../events';
import type { Ledger } from '../ledger/ledger';
import type { Projections } from '../matching/projections';
import type {
  CorrectionEntry,
  EntryOfKind,
  InboxRecord,
  JournalEntry,
  ModifiedResend,
  Models,
  WorkItem,
} from '../store/models';

/** Where a payment's money is now, after its corrections. */
export interface PaymentState {
  paymentId: string;
  payment: EntryOfKind<'payment'>;
  corrections: CorrectionEntry[];
  amount: number;
  /** The account holding the credit now (a stall's payable, a suspense account), null once reversed. */
  holderAccount: string | null;
  /** The market of the holder account (null: unidentified, or reversed). */
  holderMarketId: string | null;
  /** The market the payment belongs to for authorisation: where it is, or where it was when reversed. */
  marketId: string | null;
  /** The bank account the money came into (moves with an unidentified payment reallocated to a market). */
  bankAccount: string;
  reversed: boolean;
}

export interface PaymentView {
  paymentId: string;
  status: 'queued' | 'held' | 'posted' | 'ignored_outgoing';
  inbox: Omit<InboxRecord, 'rawBody' | 'signature'> | null;
  state: PaymentState | null;
  /** Resends under this payment's id with other content (refused; the first notification stands). */
  modifiedResends: Omit<ModifiedResend, 'rawBody'>[];
}

const correctionNumber = (e: CorrectionEntry) => e.meta.n ?? 0;
const isCorrection = (e: JournalEntry): e is CorrectionEntry => e.kind === 'reversal' || e.kind === 'reallocation';

/**
 * Corrections are new entries, never edits: a reversal (the money left: bank recall, refund) and a reallocation (the
 * money belongs to another stall). They form one numbered sequence per payment, `payment:<id>#1`, `#2` …, so two
 * corrections of one payment racing on two replicas cannot both be posted: the second insert of `#n` fails and is
 * answered 409. Inside one process a KeyedMutex per payment serialises them.
 */
export class CorrectionService {
  private readonly locks = new KeyedMutex();

  constructor(
    private readonly models: Models,
    private readonly ledger: Ledger,
    private readonly projections: Projections,
    private readonly logger: Logger,
  ) {}

  async state(paymentId: string): Promise<PaymentState | null> {
    const all = (await this.models.entries.find({ paymentId }).toArray()) as JournalEntry[];
    const payment = all.find(
      (e): e is EntryOfKind<'payment'> => e._id === `payment:${paymentId}` && e.kind === 'payment',
    );
    if (!payment) return null;
    const corrections = all.filter(isCorrection).sort((a, b) => correctionNumber(a) - correctionNumber(b));
    type Where = { holderAccount: string | null; holderMarketId?: string | null; bankAccount: string };
    const meta: Where = payment.meta;
    let where: Where = { ...meta, holderMarketId: meta.holderMarketId ?? payment.marketId };
    let marketId = where.holderMarketId ?? null;
    for (const c of corrections) {
      where = c.meta;
      marketId = where.holderMarketId ?? (c.kind === 'reversal' ? c.marketId : null);
    }
    const amount = payment.postings.find((p) => p.account === meta.bankAccount)?.amount ?? 0;
    return {
      paymentId,
      payment,
      corrections,
      amount,
      holderAccount: where.holderAccount,
      holderMarketId: where.holderMarketId ?? null,
      marketId,
      bankAccount: where.bankAccount,
      reversed: where.holderAccount === null,
    };
  }

  async view(paymentId: string): Promise<PaymentView | null> {
    const [inbox, work, state, modifiedResends] = await Promise.all([
      this.models.inbox.findOne({ _id: paymentId }, { projection: { rawBody: 0, signature: 0 } }),
      this.models.work.findOne({ _id: paymentId }),
      this.state(paymentId),
      this.models.modifiedResends
        .find({ paymentId }, { projection: { rawBody: 0 } })
        .limit(50)
        .toArray(),
    ]);
    if (!inbox && !state) return null;
    const record = inbox as Omit<InboxRecord, 'rawBody' | 'signature'> | null;
    const status = state
      ? 'posted'
      : record?.flag === 'ignored_outgoing'
        ? 'ignored_outgoing'
        : (work as WorkItem | null)?.state === 'held'
          ? 'held'
          : 'queued';
    return { paymentId, status, inbox: record, state, modifiedResends };
  }

  async mustState(paymentId: string): Promise<PaymentState> {
    const state = await this.state(paymentId);
    if (state) return state;
    const queued = await this.models.work.countDocuments({ _id: paymentId }, { limit: 1 });
    if (queued) throw conflict('LEDGER.PAYMENT_NOT_POSTED', 'the payment is not posted yet; try again shortly');
    throw notFound('LEDGER.PAYMENT_NOT_FOUND', `payment ${paymentId} does not exist`);
  }

  /** The market a payment's correction is authorised against: where its money is now (null: unidentified). */
  static marketOf(state: PaymentState): string | null {
    return state.marketId;
  }

  async reverse(
    paymentId: string,
    input: { reasonCode: string; reason: string },
    actor: Actor,
    authorise: (state: PaymentState) => void,
    correlationId?: string,
  ): Promise<JournalEntry> {
    return this.locks.run(paymentId, async () => {
      const state = await this.mustState(paymentId);
      authorise(state);
      if (state.reversed || !state.holderAccount) {
        throw conflict('LEDGER.PAYMENT_REVERSED', 'the payment is already reversed');
      }
      const n = state.corrections.length + 1;
      const id = `payment:${paymentId}#${n}`;
      const holderStall = stallOfAccount(state.holderAccount);
      const marketId = state.holderMarketId;
      const today = businessDayOf(new Date());
      const cause: Cause = { correlationId: correlationId ?? id, causationId: correlationId ?? id };
      const pm = state.payment.meta;
      const result = await this.ledger.post({
        id,
        kind: 'reversal',
        reference: { type: 'payment', id: paymentId },
        paymentId,
        marketId,
        merchantId: holderStall,
        businessDay: today,
        description: `Reversal of ${paymentId}: ${input.reason}`,
        postings: [
          { account: state.holderAccount, amount: state.amount },
          { account: state.bankAccount, amount: -state.amount },
        ],
        meta: {
          n,
          amount: state.amount,
          bankTransactionId: pm.bankTransactionId,
          originalBusinessDay: state.payment.businessDay,
          by: actor.userId,
          role: actor.role,
          reasonCode: input.reasonCode,
          reason: input.reason,
          fromAccount: state.holderAccount,
          holderAccount: null,
          holderMarketId: null,
          bankAccount: state.bankAccount,
          correlationId: cause.correlationId,
          causationId: cause.causationId,
        },
      });
      if (result.duplicate) throw concurrentCorrection();
      this.logger.info({ paymentId, by: actor.userId, reasonCode: input.reasonCode }, 'payment reversed');
      return result.entry;
    });
  }

  async reallocate(
    paymentId: string,
    input: { toMerchantId: string; reason: string },
    actor: Actor,
    authorise: (state: PaymentState, toMarketId: string) => void,
    correlationId?: string,
  ): Promise<JournalEntry> {
    return this.locks.run(paymentId, async () => {
      const state = await this.mustState(paymentId);
      const to = await this.projections.stall(input.toMerchantId);
      if (!to) throw notFound('LEDGER.STALL_NOT_FOUND', `stall ${input.toMerchantId} is not known here`);
      authorise(state, to.marketId);
      if (state.reversed || !state.holderAccount) {
        throw conflict('LEDGER.PAYMENT_REVERSED', 'a reversed payment cannot be reallocated');
      }
      const toAccount = accounts.stallPayable(to._id);
      if (state.holderAccount === toAccount) {
        throw conflict('LEDGER.ALREADY_THERE', 'the payment is already credited to this stall');
      }
      const fromMarket = state.holderMarketId;
      const unidentified = state.holderAccount === accounts.unidentifiedSuspense;
      if (!unidentified && fromMarket !== to.marketId) {
        throw new AppError(
          'LEDGER.CROSS_MARKET',
          'a payment is reallocated within its market (an unidentified one may go to any market)',
          400,
        );
      }
      const n = state.corrections.length + 1;
      const id = `payment:${paymentId}#${n}`;
      const fromMerchantId = stallOfAccount(state.holderAccount);
      const today = businessDayOf(new Date());
      const cause: Cause = { correlationId: correlationId ?? id, causationId: correlationId ?? id };
      const toBank = unidentified ? accounts.marketBank(to.marketId) : state.bankAccount;
      const postings = [
        { account: state.holderAccount, amount: state.amount },
        { account: toAccount, amount: -state.amount },
      ];
      // Identified at last: the money was in that market's collection account all along.
      if (unidentified) {
        postings.push({ account: toBank, amount: state.amount }, { account: state.bankAccount, amount: -state.amount });
      }
      const pm = state.payment.meta;
      const result = await this.ledger.post({
        id,
        kind: 'reallocation',
        reference: { type: 'payment', id: paymentId },
        paymentId,
        marketId: to.marketId,
        merchantId: to._id,
        businessDay: today,
        description: `Reallocation of ${paymentId} to ${to.stallCode}: ${input.reason}`,
        postings,
        meta: {
          n,
          amount: state.amount,
          bankTransactionId: pm.bankTransactionId,
          by: actor.userId,
          role: actor.role,
          reason: input.reason,
          fromAccount: state.holderAccount,
          fromMerchantId,
          toMerchantId: to._id,
          holderAccount: toAccount,
          holderMarketId: to.marketId,
          bankAccount: toBank,
          correlationId: cause.correlationId,
          causationId: cause.causationId,
        },
      });
      if (result.duplicate) throw concurrentCorrection();
      this.logger.info(
        { paymentId, from: state.holderAccount, to: toAccount, by: actor.userId },
        'payment reallocated',
      );
      return result.entry;
    });
  }
}

const concurrentCorrection = () =>
  conflict('LEDGER.CONCURRENT_CORRECTION', 'another correction of this payment was posted at the same time; reload');
