import { randomUUID } from 'node:crypto';
import type { mongo } from 'mongoose';
import { findIn } from '@marketqr/mongo';
import { AppError, isDuplicateKey, MicroBatcher } from '@marketqr/service-kit';
import { accountKeyOf, type Merchant, type MerchantStatus, type VirtualAccount } from '../domain/model';
import type { Models } from './models';

/** The snapshot fields merchant events carry that this service keeps. */
export interface MerchantSnapshotIn {
  merchantId: string;
  marketId: string;
  marketName: string;
  zone: string;
  stallCode: string;
  vendorName: string;
  /** Optional: a stall has no virtual account until the partner bank registers one. */
  virtualAccount?: VirtualAccount | null;
  payoutAccount?: { holderName?: string | null } | null;
  status: MerchantStatus;
}

export type ApplyOutcome = 'applied' | 'stale';

/** A stall as stored, and the projection epoch it was read under: stored no earlier than that epoch began. */
export interface StallSnapshot {
  merchant: Merchant;
  epoch: string;
}

/** The projection's epoch document (`projection_epochs`). */
const EPOCH_ID = 'merchants';
/** Stalls kept in memory: a province's stalls, bounded. */
const KNOWN_STALLS = 200_000;

/**
 * The merchant projection: our copy of each stall, written only by the merchant-events consumer.
 *
 * Issuing a dynamic QR needs the stall twice: to build the QR, and after the QR is stored, to be sure the stall did
 * not leave active state (or change account) meanwhile; the consumer revokes the QRs it finds only after writing the
 * new state, so a QR stored too late for that sweep must see the new state in its own check. Reading every stall
 * twice per QR was most of what issuing cost: FerretDB answers a read of many ids (`$in`) by reading the whole
 * collection, so each stall is a query of its own.
 *
 * So the store keeps each stall in memory with the **epoch** it was read under. The epoch is one small document
 * whose token the consumer replaces after every change it writes (`apply`: state first, then the epoch, then the
 * sweep of QRs). After a QR is stored, one read of the epoch answers for every QR of the batch, whatever its stall:
 * - unchanged since the stall was read: any change written since then has not bumped the epoch yet, so its sweep is
 *   still to come and will find the stored QR;
 * - changed: this stall is read again from the database, and the issuer checks it as before.
 * A stall is read from the database only on its first QR after an epoch change. Every replica shares the epoch, so
 * a change applied by another replica's consumer is seen the same way. The token is a fresh random value rather than
 * a counter: FerretDB can lose one of two concurrent `$inc`s of a document, and two changes must never leave the
 * token as one reader saw it.
 */
export class MerchantStore {
  /**
   * Reads by id of concurrent requests made together: one query per batch, and one read for all the requests of one
   * stall in it. A read joins a batch that starts after it was asked for, so it is never older than a read made on
   * its own.
   */
  private readonly reads: MicroBatcher<string, Merchant | null>;
  /** Reads of the epoch, one per batch for every caller in it (same rule: never older than asked). */
  private readonly epochs: MicroBatcher<null, string>;
  private readonly known = new Map<string, StallSnapshot>();
  /** The epoch last read: a stall kept under another one is read again before use. */
  private latestEpoch: string | null = null;

  constructor(private readonly models: Models) {
    this.reads = new MicroBatcher({ maxItems: 200, maxWaitMs: 1 }, async (ids) => {
      const found = await findIn(this.models.Merchant.collection as unknown as mongo.Collection<Merchant>, ids);
      const byId = new Map(found.map((m): [string, Merchant] => [m._id, m]));
      return ids.map((id) => ({ ok: true as const, value: byId.get(id) ?? null }));
    });
    this.epochs = new MicroBatcher({ maxItems: 1_000, maxWaitMs: 1 }, async (asks) => {
      const doc = await this.models.ProjectionEpoch.findById(EPOCH_ID).lean().exec();
      const epoch = doc?.token ?? '';
      this.latestEpoch = epoch;
      return asks.map(() => ({ ok: true as const, value: epoch }));
    });
  }

  /** The stall as stored now (a database read). */
  get(id: string): Promise<Merchant | null> {
    return this.reads.submit(id);
  }

  async require(id: string): Promise<Merchant> {
    const m = await this.get(id);
    if (!m) throw new AppError('QR.STALL_NOT_FOUND', `no stall ${id}`, 404, { merchantId: id });
    return m;
  }

  /** The stall with the epoch it is valid under: from memory while no change has been seen, else read now. */
  async snapshot(id: string): Promise<StallSnapshot | null> {
    const kept = this.known.get(id);
    if (kept && kept.epoch === this.latestEpoch) return kept;
    return this.reread(id);
  }

  async requireSnapshot(id: string): Promise<StallSnapshot> {
    const s = await this.snapshot(id);
    if (!s) throw new AppError('QR.STALL_NOT_FOUND', `no stall ${id}`, 404, { merchantId: id });
    return s;
  }

  /** Reads the epoch, then the stall: the pair is valid because the stall was read after the epoch. */
  async reread(id: string): Promise<StallSnapshot | null> {
    const epoch = await this.epochs.submit(null);
    const merchant = await this.get(id);
    this.known.delete(id);
    if (!merchant) return null;
    const s = { merchant, epoch };
    this.known.set(id, s);
    if (this.known.size > KNOWN_STALLS) this.known.delete(this.known.keys().next().value!);
    return s;
  }

  /** Whether no change to any stall has been applied since `epoch` was read (one read shared by the batch). */
  async unchangedSince(epoch: string): Promise<boolean> {
    return (await this.epochs.submit(null)) === epoch;
  }

  byAccountKey(key: string): Promise<Merchant | null> {
    return this.models.Merchant.findOne({ accountKey: key }).sort({ updatedAt: -1 }).lean<Merchant>().exec();
  }

  /**
   * Overwrites the copy with a newer snapshot. Every merchant event carries the whole snapshot, so applying one is a
   * plain `$set` (applying it twice changes nothing); an event older than the one applied last (a redelivery after
   * a newer event, or a producer's retry) is ignored so that it cannot roll the stall back.
   * One writer per stall: the consumer of its partition, under the stall's mutex.
   */
  async apply(s: MerchantSnapshotIn, meta: { eventId: string; type: string; occurredAt: Date }): Promise<ApplyOutcome> {
    const current = await this.models.Merchant.findById(s.merchantId, { lastEventAt: 1, lastEventId: 1 })
      .lean<Pick<Merchant, 'lastEventAt' | 'lastEventId'>>()
      .exec();
    if (current && current.lastEventId !== meta.eventId && current.lastEventAt.getTime() > meta.occurredAt.getTime()) {
      return 'stale';
    }
    const account = s.virtualAccount
      ? { bin: s.virtualAccount.bin, accountNumber: s.virtualAccount.accountNumber }
      : null;
    await this.models.Merchant.updateOne(
      { _id: s.merchantId },
      {
        $set: {
          marketId: s.marketId,
          marketName: s.marketName,
          zone: s.zone,
          stallCode: s.stallCode,
          vendorName: s.vendorName,
          virtualAccount: account,
          accountKey: account ? accountKeyOf(account) : null,
          holderName: s.payoutAccount?.holderName ?? null,
          status: s.status,
          lastEventAt: meta.occurredAt,
          lastEventId: meta.eventId,
          lastEventType: meta.type,
          updatedAt: new Date(),
        },
      },
      { upsert: true },
    );
    // After the state, before the caller sweeps the stall's QRs (see the class comment).
    this.known.delete(s.merchantId);
    await this.bumpEpoch();
    return 'applied';
  }

  private async bumpEpoch(): Promise<void> {
    const bump = () =>
      this.models.ProjectionEpoch.updateOne(
        { _id: EPOCH_ID },
        { $set: { token: randomUUID(), at: new Date() } },
        { upsert: true },
      ).exec();
    // Two first bumps at once may both try to create the document: the loser's retry updates it.
    await bump().catch((e: unknown) => (isDuplicateKey(e) ? bump() : Promise.reject(e)));
  }
}
