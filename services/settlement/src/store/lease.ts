import type { Connection } from 'mongoose';
import type { Logger } from '@marketqr/service-kit';
import { isDuplicateKey } from '@marketqr/service-kit';

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
 * One replica at a time runs the payout worker. A lease document is taken by insert (the one write FerretDB keeps
 * atomic under concurrency: exactly one of many concurrent inserts wins), renewed by its owner only, and taken over
 * after it expired by deleting exactly that expired lease and racing to insert again. A holder that stalls past its
 * lease can overlap the next one for a moment: payouts stay safe because every retry re-sends the same idempotency
 * key and every event has a derived id.
 */
export function createLease(
  db: Connection,
  opts: { name: string; owner: string; ttlMs: number; logger: Logger },
): Lease {
  const leases = db.collection<LeaseDoc>('worker_leases');
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
        opts.logger.warn({ lease: opts.name }, 'lost the worker lease');
        until = 0;
      }
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          await leases.insertOne({ _id: opts.name, owner: opts.owner, until: next });
          until = next.getTime();
          opts.logger.info({ lease: opts.name, owner: opts.owner }, 'holding the worker lease');
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
