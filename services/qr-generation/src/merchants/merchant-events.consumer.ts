import type { Logger } from 'pino';
import type { EventOfType } from '@marketqr/contracts';
import { isDomainError, type KeyedMutex } from '@marketqr/service-kit';
import { causeOfEvent, RetryableError, type Cause, type EventHandlers, type HandlerContext } from '../events';
import type { Merchant, QrRecord } from '../domain/model';
import { qrAccountOf, staticPayload } from '../domain/payload';
import type { MerchantStore } from '../store/merchant-store';
import type { QrStore } from '../store/qr-store';
import type { StaticQrService } from '../static-qr/static-qr.service';

type MerchantEvent = EventOfType<
  'merchant.registered' | 'merchant.verified' | 'merchant.activated' | 'merchant.suspended' | 'merchant.updated'
>;

export interface MerchantConsumerDeps {
  merchants: MerchantStore;
  store: QrStore;
  statics: StaticQrService;
  mutex: KeyedMutex;
  city: string | null;
  logger: Logger;
}

const SYSTEM = { userId: 'qr-generation', role: 'service' as const, via: 'merchant_event' as const };

/**
 * Keeps the merchant projection and brings each stall's QRs in line with it:
 * - active with a virtual account → exactly one active poster whose payload matches the stall's details now
 *   (issued at activation, so a vendor has a poster at once; re-issued when the stall code, name or account changes);
 * - anything else (suspended, not yet active, account withdrawn) → no active QR at all, static or dynamic.
 * Reconciling towards a state rather than reacting to an event type makes redelivery harmless: a second pass
 * finds nothing to do.
 */
export function merchantEventHandlers(deps: MerchantConsumerDeps): EventHandlers {
  const handle = async (event: MerchantEvent, ctx: HandlerContext) => {
    const d = event.data;
    await deps.mutex.run(d.merchantId, async () => {
      const outcome = await deps.merchants.apply(d, {
        eventId: event.eventId,
        type: event.type,
        occurredAt: new Date(event.occurredAt),
      });
      if (outcome === 'stale') {
        ctx.log.info({ merchantId: d.merchantId }, 'older merchant event ignored: a newer snapshot is applied');
        return;
      }
      const reason =
        event.type === 'merchant.suspended'
          ? `stall suspended (${event.data.reasonCode}): ${event.data.reason}`
          : `stall ${d.status} after ${event.type}`;
      await reconcile(deps, d.merchantId, causeOfEvent(event), reason, ctx.log);
    });
  };
  return {
    'merchant.registered': handle,
    'merchant.verified': handle,
    'merchant.activated': handle,
    'merchant.suspended': handle,
    'merchant.updated': handle,
  };
}

export async function reconcile(
  deps: MerchantConsumerDeps,
  merchantId: string,
  cause: Cause,
  reasonText: string,
  log: Logger,
): Promise<void> {
  const m = await deps.merchants.get(merchantId);
  if (!m) return;
  const active = await deps.store.activeOf(merchantId);
  const account = qrAccountOf(m);

  if (!account) {
    const reasonCode = revocationCode(m);
    for (const qr of active) {
      await deps.store.revoke(qr, { reasonCode, reason: reasonText, by: SYSTEM.userId }, cause);
    }
    return;
  }

  const statics = active.filter((q) => q.kind === 'static').sort((a, b) => (b.generation ?? 0) - (a.generation ?? 0));
  let keep: QrRecord | undefined;
  try {
    // A poster stays while what it encodes is still the stall's: the same payload, made again with its own serial.
    keep = statics.find(
      (q) => q.payload === staticPayload({ merchant: m, account, city: deps.city, posterSerial: q.code }),
    );
    if (!keep) await deps.statics.issueLocked(m, SYSTEM, cause);
  } catch (e) {
    // Details no valid VietQR can carry: retrying cannot help, and the projection is already stored.
    if (isDomainError(e) && e.code === 'QR.PAYLOAD_INVALID') {
      log.error({ merchantId, code: e.code, err: e.message }, 'cannot make a static QR for this stall');
      return;
    }
    // Another replica issued this stall's next poster at the same moment: the next attempt will find it.
    if (isDomainError(e) && e.code === 'QR.CONCURRENT_UPDATE') throw new RetryableError(e.message, { cause: e });
    throw e;
  }
  if (keep) {
    // Left over by a crash between issuing a poster and revoking its predecessor: finish the job.
    for (const old of statics) {
      if (old._id === keep._id) continue;
      const reason = {
        reasonCode: 'poster_replaced',
        reason: `replaced by poster ${keep.posterSerial}`,
        by: SYSTEM.userId,
      };
      await deps.store.revoke(old, reason, cause);
    }
  }
  for (const qr of active) {
    if (qr.kind === 'dynamic' && qr.accountKey !== m.accountKey) {
      await deps.store.revoke(
        qr,
        { reasonCode: 'virtual_account_changed', reason: 'the stall’s virtual account changed', by: SYSTEM.userId },
        cause,
      );
    }
  }
}

function revocationCode(m: Merchant): string {
  if (m.status === 'suspended') return 'merchant_suspended';
  if (m.status === 'active') return 'virtual_account_withdrawn';
  return 'merchant_not_active';
}
