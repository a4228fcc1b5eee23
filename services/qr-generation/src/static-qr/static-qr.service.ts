import type { Logger } from 'pino';
import { AppError, type KeyedMutex, isDuplicateKey } from '@marketqr/service-kit';
import type { Cause } from '../events';
import { newPosterSerial, newQrId } from '../domain/codes';
import { type Merchant, type QrRecord } from '../domain/model';
import { newQrRecord, staticPayload } from '../domain/payload';
import type { MerchantStore } from '../store/merchant-store';
import { type QrStore } from '../store/qr-store';
import { eligibleAccount, notEligible, type IssuedBy } from '../domain/eligibility';

/**
 * One static QR (poster) per stall. A new poster supersedes the previous one, which is revoked (`poster_replaced`):
 * only the newest poster of a stall is ever GENUINE.
 */
export class StaticQrService {
  constructor(
    private readonly deps: {
      store: QrStore;
      merchants: MerchantStore;
      mutex: KeyedMutex;
      city: string | null;
      logger: Logger;
    },
  ) {}

  /** Issues a poster for an eligible stall and revokes its older ones. The caller holds the stall's mutex. */
  async issueLocked(m: Merchant, issuedBy: IssuedBy, cause: Cause): Promise<{ qr: QrRecord; revoked: string[] }> {
    const account = eligibleAccount(m);
    const { store, city } = this.deps;
    const generation = ((await store.latestStatic(m._id))?.generation ?? 0) + 1;
    const slot = `${m._id}#static#${generation}`;

    let qr: QrRecord | undefined;
    for (let attempt = 1; !qr; attempt++) {
      const serial = newPosterSerial();
      const payload = staticPayload({ merchant: m, account, city, posterSerial: serial });
      const candidate = newQrRecord(
        { _id: newQrId(), merchant: m, account, city, payload },
        {
          kind: 'static',
          code: serial,
          slot,
          generation,
          orderCode: null,
          posterSerial: serial,
          amount: null,
          note: null,
          issuedAt: new Date(),
          issuedBy,
          ttlSeconds: null,
          expiresAt: null,
        },
      );
      try {
        await store.insert(candidate, cause);
        qr = candidate;
      } catch (e) {
        if (!isDuplicateKey(e)) throw e;
        if (await store.slotTaken(slot)) {
          // Another replica issued this stall's next poster at the same moment: the unique slot let one of us win.
          throw new AppError('QR.CONCURRENT_UPDATE', 'another poster was issued for this stall just now; retry', 409);
        }
        if (attempt >= 5) throw e;
      }
    }

    const revoked: string[] = [];
    for (const old of await store.activeOf(m._id)) {
      if (old.kind !== 'static' || old._id === qr._id) continue;
      const reason = {
        reasonCode: 'poster_replaced',
        reason: `replaced by poster ${qr.posterSerial}`,
        by: issuedBy.userId,
      };
      if (await store.revoke(old, reason, cause)) revoked.push(old._id);
    }
    return { qr, revoked };
  }

  /** Re-issue by API: a new poster (lost, damaged, or details changed), the old one revoked. */
  async reissue(merchantId: string, issuedBy: IssuedBy, cause: Cause): Promise<{ qr: QrRecord; revoked: string[] }> {
    const { merchants, mutex, store } = this.deps;
    return mutex.run(merchantId, async () => {
      const m = await merchants.require(merchantId);
      const result = await this.issueLocked(m, issuedBy, cause);
      // Another replica's consumer may have suspended the stall meanwhile: never leave a poster active for it.
      const after = await merchants.get(merchantId);
      if (!after || notEligible(after)) {
        await store.revoke(
          result.qr,
          { reasonCode: 'merchant_suspended', reason: 'stall left active state', by: 'qr-generation' },
          cause,
        );
        throw notEligible(after ?? m) ?? new AppError('QR.STALL_NOT_ACTIVE', 'the stall is not active', 409);
      }
      return result;
    });
  }

  /** The stall's current (active) poster, if any. */
  async current(merchantId: string): Promise<QrRecord | null> {
    const active = (await this.deps.store.activeOf(merchantId)).filter((q) => q.kind === 'static');
    return active.sort((a, b) => (b.generation ?? 0) - (a.generation ?? 0))[0] ?? null;
  }
}
