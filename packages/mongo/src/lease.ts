import type { Connection } from 'mongoose';
import { isDuplicateKey, type Logger } from '@marketqr/service-kit';

interface LeaseDoc {
  _id: string;
  owner: string;
  until: Date;
}

export interface Lease {
  /** Takes or keeps the lease; true while this process holds it. Cheap when held (renews past half its life). */
  hold(): Promise<boolean>;
  /** Whether the lease is held now by this process's own clock (no database round trip). */
  held(): boolean;
  release(): Promise<void>;
}

/**
 * "One replica at a time does this" (the outbox relay, settlement's payout worker). A lease document is taken by
 * insert (the one write FerretDB keeps atomic under concurrency: exactly one of many concurrent inserts wins; a
 * conditional update is not, see the README), renewed by its owner only, and taken over after it expired by deleting
 * exactly that expired lease and racing to insert again. A holder that stalls past its lease can overlap the next one
 * for a moment: what a lease guards must stay safe then (the relay re-sends an ordered snapshot, payouts re-send the
 * same idempotency key), and `held()` lets the holder check its own clock before an irrevocable step.
 */
export function createLease(
  db: Connection,
  opts: {
    /** The collection holding the leases of this kind (one document per lease name). */
    collection: string;
    name: string;
    owner: string;
    ttlMs: number;
    logger: Logger;
  },
): Lease {
  const leases = db.collection<LeaseDoc>(opts.collection);
  let until = 0;

  return {
    held: () => until > Date.now(),
    async hold() {
      const now = Date.now();
      if (until > now + opts.ttlMs / 2) return true;
      const next = new Date(now + opts.ttlMs);
      if (until > now) {
        const res = await leases.updateOne({ _id: opts.name, owner: opts.owner }, { $set: { until: next } });
        if (res.matchedCount === 1) {
          until = next.getTime();
          return true;
        }
        opts.logger.warn({ lease: opts.name }, 'lost the lease');
        until = 0;
      }
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await leases.insertOne({ _id: opts.name, owner: opts.owner, until: next });
          until = next.getTime();
          opts.logger.info({ lease: opts.name, owner: opts.owner }, 'holding the lease');
          return true;
        } catch (err) {
          if (!isDuplicateKey(err)) throw err;
        }
        const current = await leases.findOne({ _id: opts.name });
        if (!current) continue;
        if (current.owner === opts.owner) {
          // Ours from before a renewal whose answer was lost: take it back cleanly.
          await leases.deleteOne({ _id: opts.name, owner: opts.owner });
          continue;
        }
        if (current.until.getTime() >= now) return false;
        await leases.deleteOne({ _id: opts.name, owner: current.owner, until: current.until });
      }
      return false;
    },
    async release() {
      if (until === 0) return;
      until = 0;
      await leases.deleteOne({ _id: opts.name, owner: opts.owner }).catch(() => undefined);
    },
  };
}
