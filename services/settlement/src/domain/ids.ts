import { createHash } from 'node:crypto';
import { nameBasedEventId } from '@marketqr/contracts';

const short = (text: string, n = 16) => createHash('sha256').update(text).digest('hex').slice(0, n);
const compact = (day: string) => day.replace(/-/g, '');

/**
 * One line per (stall, business day), so its id is derived from them: building a line twice (a retry, a recovered
 * cut-off) inserts the same `_id` and the unique index refuses the second. Hashing keeps it short and within the
 * bank's idempotency-key alphabet whatever characters a stall id has.
 */
export const lineIdOf = (merchantId: string, businessDay: string) => `sl-${compact(businessDay)}-${short(merchantId)}`;

/** One batch per (market, business day): the insert of this id is what lets exactly one replica cut a day off. */
export const batchIdOf = (marketId: string, businessDay: string) => `sb-${compact(businessDay)}-${short(marketId)}`;

/**
 * The bank's idempotency key of a line's payout in its n-th issue. Every retry of an issue (after a timeout, a lost
 * answer, a restart, a second replica) re-sends the SAME key, so the bank answers the original payout instead of
 * paying again. A new epoch, hence a new key, exists only when a person re-issues a line after a final failure, and
 * only after the bank said it has no payout under the previous key.
 */
export const payoutKeyOf = (lineId: string, epoch: number) => `stl-${lineId}-e${epoch}`;

const NAMESPACE = Buffer.from('3b0f4c1ad6a84e5c9e2f7a61c0d5b8e4', 'hex');

/** The event a line raises for one outcome always has the same id (see `nameBasedEventId`). */
export const stableEventId = (name: string): string => nameBasedEventId(NAMESPACE, name);
