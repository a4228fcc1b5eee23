import type { MerchantSnapshot } from '@marketqr/contracts';
import type { Stall } from '../domain/stall';
import type { Market } from '../store/models';

/** What every merchant event carries about the stall, so consumers never call back. */
export function snapshotOf(stall: Stall, market: Market): MerchantSnapshot {
  return {
    merchantId: stall._id,
    marketId: market._id,
    marketName: market.name,
    zone: stall.zone,
    stallCode: stall.stallCode,
    category: stall.category,
    vendorName: stall.vendor.fullName,
    ...(stall.virtualAccount
      ? { virtualAccount: { bin: stall.virtualAccount.bin, accountNumber: stall.virtualAccount.accountNumber } }
      : {}),
    payoutAccount: {
      bin: stall.payoutAccount.bin,
      accountNumber: stall.payoutAccount.accountNumber,
      ...(stall.payoutAccount.holderName ? { holderName: stall.payoutAccount.holderName } : {}),
    },
    status: stall.status,
    collectionAccount: { bin: market.collectionAccount.bin, accountNumber: market.collectionAccount.accountNumber },
  };
}

/** The stall as the HTTP API shows it: no outbox internals. */
export function publicStall(stall: Stall) {
  const { outboxWriteIds: _writeIds, backdateMs: _backdate, ...rest } = stall as Stall & { outboxWriteIds?: unknown };
  return { ...rest, id: stall._id };
}
