import { AppError, type Clock, type KeyedMutex, isDuplicateKey } from '@marketqr/service-kit';
import type { Cause } from '../events';
import { newOrderCode, newQrId } from '../domain/codes';
import type { DynamicQrRequest } from '../domain/dynamic-request';
import { accountKeyOf, effectiveStatus, type QrRecord } from '../domain/model';
import { dynamicPayload, newQrRecord } from '../domain/payload';
import type { MerchantStore } from '../store/merchant-store';
import { type QrStore } from '../store/qr-store';
import { eligibleAccount, notEligible, type IssuedBy } from '../domain/eligibility';

const ORDER_CODE_ATTEMPTS = 5;

/** A QR for one sale: an amount, an order code the bank notification echoes back, and an expiry. */
export class DynamicQrService {
  constructor(
    private readonly deps: {
      store: QrStore;
      merchants: MerchantStore;
      mutex: KeyedMutex;
      city: string | null;
      clock: Clock;
    },
  ) {}

  /**
   * Not under the stall's mutex: a vendor's QRs are independent of each other, and a lock held across the store's
   * group commit would let one stall issue one QR per batch. What the lock guarded — a suspension or an account
   * change racing the issue — is checked after the QR is stored, which also covers other replicas (a lock here never
   * did): the merchant consumer writes the stall's new state and bumps the projection's epoch before it revokes the
   * QRs it finds, so a QR stored too late for that sweep sees the epoch moved, reads the stall again, and is revoked
   * by its issuer (MerchantStore explains the epoch).
   */
  async issue(merchantId: string, req: DynamicQrRequest, issuedBy: IssuedBy, cause: Cause): Promise<QrRecord> {
    const { merchants, store, city } = this.deps;
    // The stall as the caller's access check just found it, in memory while no stall has changed.
    let { merchant: m, epoch } = await merchants.requireSnapshot(merchantId);

    for (let attempt = 1; ; attempt++) {
      const account = eligibleAccount(m);
      const orderCode = newOrderCode();
      const payload = dynamicPayload({ merchant: m, account, city, orderCode, amount: req.amount });
      const issuedAt = this.deps.clock.now();
      const _id = newQrId();
      const qr = newQrRecord(
        { _id, merchant: m, account, city, payload },
        {
          kind: 'dynamic',
          code: orderCode,
          slot: _id,
          generation: null,
          orderCode,
          posterSerial: null,
          amount: req.amount,
          note: req.note,
          issuedAt,
          issuedBy,
          ttlSeconds: req.ttlSeconds,
          expiresAt: new Date(issuedAt.getTime() + req.ttlSeconds * 1000),
        },
      );
      try {
        await store.insert(qr, cause);
      } catch (e) {
        // An order code already taken (the unique index): draw another.
        if (isDuplicateKey(e) && attempt < ORDER_CODE_ATTEMPTS) continue;
        throw e;
      }
      if (await merchants.unchangedSince(epoch)) return qr;
      // Some stall changed meanwhile: this one may have been suspended or moved to another account. Never leave such
      // a QR active.
      const after = await merchants.reread(merchantId);
      if (!after || notEligible(after.merchant)) {
        const reason = { reasonCode: 'merchant_suspended', reason: 'stall left active state', by: 'qr-generation' };
        await store.revoke(qr, reason, cause);
        throw notEligible(after?.merchant ?? m) ?? new AppError('QR.STALL_NOT_ACTIVE', 'the stall is not active', 409);
      }
      if (accountKeyOf(eligibleAccount(after.merchant)) !== qr.accountKey) {
        const reason = {
          reasonCode: 'virtual_account_changed',
          reason: 'the stall’s virtual account changed',
          by: 'qr-generation',
        };
        await store.revoke(qr, reason, cause);
        if (attempt >= ORDER_CODE_ATTEMPTS) throw new AppError('QR.CONCURRENT_UPDATE', 'the stall changed', 409);
        ({ merchant: m, epoch } = after);
        continue;
      }
      return qr;
    }
  }

  /** Cancels an open dynamic QR (the shopper paid cash, the vendor typed the wrong amount). */
  async cancel(qrId: string, by: IssuedBy, cause: Cause, now = this.deps.clock.now()): Promise<QrRecord> {
    const { store, mutex } = this.deps;
    const first = await store.findById(qrId);
    if (!first) throw new AppError('QR.NOT_FOUND', `no QR ${qrId}`, 404);
    return mutex.run(first.merchantId, async () => {
      const qr = (await store.findById(qrId))!;
      if (qr.kind !== 'dynamic') {
        throw new AppError('QR.NOT_CANCELLABLE', 'a static poster is replaced (re-issue), not cancelled', 409);
      }
      const status = effectiveStatus(qr, now);
      if (status !== 'active') throw new AppError('QR.NOT_ACTIVE', `the QR is already ${status}`, 409, { status });
      const reasonCode = by.role === 'vendor' ? 'cancelled_by_vendor' : `cancelled_by_${by.role}`;
      const done = await store.revoke(qr, { reasonCode, reason: `cancelled by ${by.userId}`, by: by.userId }, cause);
      const after = (await store.findById(qrId))!;
      if (!done && after.status !== 'revoked') {
        throw new AppError('QR.NOT_ACTIVE', `the QR is already ${after.status}`, 409, { status: after.status });
      }
      return after;
    });
  }
}
