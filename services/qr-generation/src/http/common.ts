import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import { AppError, type Clock } from '@marketqr/service-kit';
import { findBank } from '@marketqr/vietqr';
import type { Access } from '../access';
import { causeOfRequest, type Cause } from '../events';
import { effectiveStatus, type Merchant, type QrRecord } from '../domain/model';
import type { IssuedBy } from '../domain/eligibility';
import type { MerchantStore } from '../store/merchant-store';
import type { QrStore } from '../store/qr-store';

/** The flow id of a request: the caller's `X-Correlation-Id` when it sends a sane one, a fresh one otherwise. */
export function requestCause(req: Request): Cause {
  const given = req.header('x-correlation-id');
  return causeOfRequest(given && /^[\w.:-]{1,200}$/.test(given) ? given : randomUUID());
}

export function issuedByOf(access: Access, req: Request): IssuedBy {
  return { ...access.actor(req), via: 'api' };
}

export interface Lookups {
  access: Access;
  merchants: MerchantStore;
  store: QrStore;
  /** What "now" is when a QR's effective status (active or expired) is decided. */
  clock: Clock;
}

/**
 * The stall, once the caller may act on it. A vendor naming another stall is refused before the lookup (whether that
 * stall exists is none of its business); a manager needs the stall's market, so an unknown stall is a 404 for them.
 */
export async function stallFor(l: Lookups, req: Request, merchantId: string): Promise<Merchant> {
  // A vendor's scope is its stall id alone: decided before any lookup.
  if (l.access.principal(req).role === 'vendor') l.access.requireStall(req, { merchantId, marketId: '' });
  // The stall's market never changes, so the copy kept in memory answers (MerchantStore.snapshot).
  const m = (await l.merchants.requireSnapshot(merchantId)).merchant;
  l.access.requireStall(req, { merchantId: m._id, marketId: m.marketId });
  return m;
}

export async function qrFor(l: Lookups, req: Request, qrId: string): Promise<QrRecord> {
  l.access.principal(req);
  const qr = await l.store.findById(qrId);
  if (!qr) throw new AppError('QR.NOT_FOUND', `no QR ${qrId}`, 404);
  l.access.requireStall(req, { merchantId: qr.merchantId, marketId: qr.marketId });
  return qr;
}

export interface LinkBase {
  publicBaseUrl: string | null;
  clock: Clock;
}

/** A QR as the API shows it: no storage internals, its effective status, links to its images. */
export function qrView(qr: QrRecord, base: LinkBase, now = base.clock.now()) {
  const root = `${base.publicBaseUrl ?? ''}/qr/${qr._id}`;
  return {
    id: qr._id,
    kind: qr.kind,
    status: effectiveStatus(qr, now),
    merchantId: qr.merchantId,
    marketId: qr.marketId,
    stallCode: qr.stallCode,
    bin: qr.bin,
    bankShortName: findBank(qr.bin)?.shortName ?? null,
    accountNumber: qr.accountNumber,
    orderCode: qr.orderCode,
    posterSerial: qr.posterSerial,
    amount: qr.amount,
    note: qr.note,
    payload: qr.payload,
    payloadHash: qr.payloadHash,
    issuedAt: qr.issuedAt.toISOString(),
    issuedBy: qr.issuedBy,
    ttlSeconds: qr.ttlSeconds,
    expiresAt: qr.expiresAt ? qr.expiresAt.toISOString() : null,
    revokedAt: qr.revokedAt ? qr.revokedAt.toISOString() : null,
    revokedReasonCode: qr.revokedReasonCode,
    revokedReason: qr.revokedReason,
    expiredAt: qr.expiredAt ? qr.expiredAt.toISOString() : null,
    links: {
      png: `${root}/image.png`,
      svg: `${root}/image.svg`,
      ...(qr.kind === 'static' ? { posterPdf: `${root}/poster.pdf`, posterPng: `${root}/poster.png` } : {}),
    },
  };
}
