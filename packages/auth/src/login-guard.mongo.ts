import type { Connection, mongo } from 'mongoose';
import type { AttemptState, LoginAttemptStore } from './login-guard';
import { isDuplicateKey } from '@marketqr/service-kit';

interface AttemptDoc {
  _id: string;
  failures: number;
  windowStartedAt: Date | null;
  lockedUntil: Date | null;
  lockouts?: number;
  updatedAt: Date;
}

/**
 * Login attempt counts shared by every replica: one document per key, changed with `$inc`/`$set` in single-document
 * updates (no transactions, no pipeline updates). Expiry is the application's: FerretDB has no TTL indexes, so `prune`
 * deletes stale keys (call it from a periodic sweep).
 *
 * On MongoDB the counts are exact under concurrency. FerretDB 1.24 can lose one of two concurrent updates of the same
 * document, so there the count is approximate under a burst of parallel attempts on one key.
 */
export class MongoLoginAttemptStore implements LoginAttemptStore {
  private readonly col: mongo.Collection<AttemptDoc>;

  constructor(connection: Connection, collectionName = 'login_attempts') {
    this.col = connection.collection<AttemptDoc>(collectionName);
  }

  async ensureIndexes(): Promise<void> {
    await this.col.createIndex({ updatedAt: 1 });
  }

  async get(key: string): Promise<AttemptState | null> {
    const doc = await this.col.findOne({ _id: key });
    return doc ? toState(doc) : null;
  }

  async countFailure(key: string, now: Date, windowMs: number): Promise<AttemptState> {
    const windowFloor = new Date(now.getTime() - windowMs);
    let doc: AttemptDoc | null = null;
    for (let attempt = 0; attempt < 3 && !doc; attempt++) {
      // Inside the current window: count.
      doc = await this.col.findOneAndUpdate(
        { _id: key, windowStartedAt: { $gt: windowFloor } },
        { $inc: { failures: 1 }, $set: { updatedAt: now } },
        { returnDocument: 'after' },
      );
      if (doc) break;
      // No window, or an old one: start a new one. If another request just started it, the upsert's insert collides
      // on _id and we count in that window instead.
      try {
        doc = await this.col.findOneAndUpdate(
          { _id: key, $or: [{ windowStartedAt: null }, { windowStartedAt: { $lte: windowFloor } }] },
          { $set: { failures: 1, windowStartedAt: now, updatedAt: now } },
          { upsert: true, returnDocument: 'after' },
        );
      } catch (err) {
        if (!isDuplicateKey(err)) throw err;
      }
    }
    if (!doc) throw new Error(`login attempts: could not record a failure for ${key}`);
    return toState(doc);
  }

  async lock(key: string, now: Date, until: Date): Promise<AttemptState> {
    const doc = await this.col.findOneAndUpdate(
      { _id: key },
      { $set: { failures: 0, windowStartedAt: now, lockedUntil: until, updatedAt: now }, $inc: { lockouts: 1 } },
      { upsert: true, returnDocument: 'after' },
    );
    return toState(doc!);
  }

  async reset(key: string): Promise<void> {
    await this.col.deleteOne({ _id: key });
  }

  /** Deletes keys untouched since `before` and not locked any more. Returns how many. */
  async prune(before: Date, now: Date = new Date()): Promise<number> {
    const res = await this.col.deleteMany({
      updatedAt: { $lt: before },
      $or: [{ lockedUntil: null }, { lockedUntil: { $lte: now } }],
    });
    return res.deletedCount;
  }
}

function toState(doc: AttemptDoc): AttemptState {
  return {
    failures: doc.failures,
    windowStartedAt: doc.windowStartedAt ?? null,
    lockedUntil: doc.lockedUntil ?? null,
    lockouts: doc.lockouts ?? 0,
  };
}
