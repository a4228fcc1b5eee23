import type { Outbox } from '@marketqr/messaging';
import { KeyedMutex, periodicResource, type Logger, type Resource, isDuplicateKey } from '@marketqr/service-kit';
import { accounts } from '../domain/accounts';
import { compact } from '../domain/canonical';
import type { Envelope } from '@marketqr/contracts';
import { businessEventsFor, events } from '../events';
import type { LedgerMetrics } from '../metrics';
import type { EntryKind, EntryPosting, JournalEntry, Models, Posting } from '../store/models';
import { buildPosting, entryHash, entryProblem, GENESIS, headOf, type Head } from './chain';

export interface NewEntry {
  /** The source key: a second entry with the same key is "already done", never a second posting. */
  id: string;
  kind: EntryKind;
  reference: { type: string; id: string };
  paymentId?: string | null;
  marketId: string | null;
  merchantId: string | null;
  businessDay: string;
  description?: string;
  postings: EntryPosting[];
  /** Everything the entry's events say is recorded here (events.ts `businessEventsFor`). */
  meta?: Record<string, unknown>;
  postedAt?: Date;
}

export interface PostResult {
  entry: JournalEntry;
  /** True when an entry with this source key already existed: nothing new was posted. */
  duplicate: boolean;
  postings: Posting[];
}

/**
 * The posting that carries an entry's events (its business events and its ledger.entry-posted): the stall's own
 * posting when there is one (it knows the stall's balance after), else the first. Events are published if and only
 * if that posting is stored, and it is stored exactly once (unique account + entry), so they are raised once
 * whoever appends it. For ledger.entry-posted without a stall posting (a payout's bank leg) the stall's balance is
 * read from its chain, which the entry does not change.
 */
function carrierOf(entry: JournalEntry): { account: string; stallAccount: string | null } {
  const stallAccount = entry.merchantId && entry.marketId ? accounts.stallPayable(entry.merchantId) : null;
  const own = stallAccount !== null && entry.postings.some((p) => p.account === stallAccount);
  return { account: own ? stallAccount : entry.postings[0]!.account, stallAccount };
}

/**
 * The double-entry journal and its per-account hash chains.
 *
 * Posting an entry:
 *   1. a pending marker is inserted (so a crash part-way is found and completed by the sweeper), unless the
 *      caller keeps its own (the inbox work item of a payment);
 *   2. the entry is inserted, `_id` = source key: of two writers (two replicas, a redelivery, a retry) exactly one
 *      insert wins, the other gets 11000 and treats it as done;
 *   3. each posting is appended to its account's chain: seq = head + 1, balance = head balance + amount, hash over
 *      the previous hash. The posting's `_id` is `<account>#<seq>`, so two writers can never both append seq n: the
 *      loser gets 11000, re-reads the head and tries again (or finds its entry already there). Inside one process a
 *      KeyedMutex per account keeps this from happening at all; across replicas the unique key is the arbiter.
 *   4. the marker is removed.
 * The entry's events ride on one of its postings through the outbox (see `carrierOf`): one outbox write per entry.
 * Balances are never `$inc`-ed: each posting carries the balance its one writer computed, so a balance is always the
 * sum of its postings (the check command proves it).
 */
export class Ledger {
  private readonly locks = new KeyedMutex();
  private readonly heads = new Map<string, Head>();
  private readonly listeners: ((p: Posting) => void)[] = [];

  constructor(
    private readonly models: Models,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly metrics?: LedgerMetrics,
  ) {}

  /** Called for every posting this process appends (live streams push it at once). */
  onPosted(listener: (p: Posting) => void): void {
    this.listeners.push(listener);
  }

  /**
   * `trackedByCaller`: the caller keeps its own record until this resolves and finishes an interrupted entry itself
   * with `complete` (the inbox's work item does for payments), so no pending marker is written.
   */
  async post(input: NewEntry, opts: { trackedByCaller?: boolean } = {}): Promise<PostResult> {
    const problem = entryProblem(input.postings);
    if (problem) throw new Error(`entry ${input.id} does not balance: ${problem}`);
    const draft: JournalEntry = compact({
      _id: input.id,
      kind: input.kind,
      reference: input.reference,
      paymentId: input.paymentId ?? null,
      marketId: input.marketId,
      merchantId: input.merchantId,
      businessDay: input.businessDay,
      postedAt: input.postedAt ?? new Date(),
      description: (input.description ?? '').slice(0, 500),
      postings: input.postings.map((p) => ({ account: p.account, amount: p.amount })),
      meta: input.meta ?? {},
      hash: '',
    });
    draft.hash = entryHash(draft);

    const marked = !opts.trackedByCaller;
    if (marked) {
      await this.models.pending.insertOne({ _id: draft._id, at: new Date() }).catch((e: unknown) => {
        if (!isDuplicateKey(e)) throw e;
      });
    }
    let entry = draft;
    let duplicate = false;
    try {
      await this.models.entries.insertOne({ ...draft });
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
      duplicate = true;
      const stored = await this.models.entries.findOne({ _id: draft._id });
      if (!stored) throw new Error(`entry ${draft._id}: duplicate key but not found`, { cause: e });
      entry = stored as JournalEntry;
    }
    const postings = await this.complete(entry);
    if (marked) await this.models.pending.deleteOne({ _id: entry._id });
    if (!duplicate) this.metrics?.entries.inc({ kind: entry.kind });
    return { entry, duplicate, postings };
  }

  /** Appends every posting of a stored entry that is not in its account's chain yet. Idempotent. */
  async complete(entry: JournalEntry): Promise<Posting[]> {
    const carrier = carrierOf(entry);
    return Promise.all(
      entry.postings.map((p) => this.append(entry, p.account, p.account === carrier.account ? carrier : null)),
    );
  }

  private async append(
    entry: JournalEntry,
    account: string,
    carrier: { stallAccount: string | null } | null,
  ): Promise<Posting> {
    return this.locks.run(account, async () => {
      for (let attempt = 1; ; attempt++) {
        const head = this.heads.get(account) ?? (await this.loadHead(account));
        const posting = buildPosting(entry, account, head, new Date());
        try {
          const raised = carrier ? await this.eventsFor(entry, posting, carrier.stallAccount) : [];
          if (raised.length) await this.outbox.insert(this.models.Posting, { ...posting }, raised);
          else await this.models.postings.insertOne(posting);
        } catch (e) {
          if (!isDuplicateKey(e)) throw e;
          // Someone else appended to this account (another replica, or the sweeper): usually our head was stale and
          // the fresh head lets the next attempt through. If it was this very entry, the fresh head is it; if a
          // second attempt also fails, look for the entry further back in the chain before trying again.
          this.heads.delete(account);
          const latest = await this.latest(account);
          if (latest?.entryId === entry._id) {
            this.remember(account, headOf(latest));
            return latest;
          }
          if (attempt > 1) {
            const existing = await this.models.postings.findOne({ account, entryId: entry._id });
            if (existing) return existing;
          }
          if (latest) this.remember(account, headOf(latest));
          this.metrics?.chainConflicts.inc();
          if (attempt >= 25) {
            throw new Error(`could not append ${entry._id} to ${account} after ${attempt} attempts`, { cause: e });
          }
          continue;
        }
        this.remember(account, headOf(posting));
        for (const l of this.listeners) l(posting);
        return posting;
      }
    });
  }

  private async eventsFor(entry: JournalEntry, posting: Posting, stallAccount: string | null): Promise<Envelope[]> {
    const raised = businessEventsFor(entry);
    if (stallAccount) {
      const balance =
        posting.account === stallAccount
          ? posting.balanceAfter
          : ((await this.latest(stallAccount))?.balanceAfter ?? 0);
      raised.push(events.entryPosted(entry, posting, balance));
    }
    return raised;
  }

  private remember(account: string, head: Head) {
    // Bounded: a forgotten head costs one read the next time.
    if (this.heads.size > 100_000) this.heads.clear();
    this.heads.set(account, head);
  }

  private async loadHead(account: string): Promise<Head> {
    const last = await this.latest(account);
    return last ? headOf(last) : GENESIS;
  }

  /** The account's latest posting as stored now (not this process's cache: another replica may have appended). */
  async latest(account: string): Promise<Posting | null> {
    const [last] = await this.models.postings.find({ account }).sort({ seq: -1 }).limit(1).toArray();
    return (last as Posting | undefined) ?? null;
  }

  /** Completes entries left pending by a writer that died; drops markers of entries that were never stored. */
  async sweep(olderThanMs: number): Promise<number> {
    const cutoff = new Date(Date.now() - olderThanMs);
    const stale = await this.models.pending
      .find({ at: { $lt: cutoff } })
      .limit(100)
      .toArray();
    let completed = 0;
    for (const marker of stale) {
      const entry = (await this.models.entries.findOne({ _id: marker._id })) as JournalEntry | null;
      if (entry) {
        await this.complete(entry);
        completed++;
        this.logger.warn({ entryId: entry._id }, 'completed the postings of an interrupted entry');
      }
      await this.models.pending.deleteOne({ _id: marker._id });
    }
    return completed;
  }

  /** Completes interrupted entries now and then; a failed sweep is retried next time and does not make the service unready. */
  sweeper(opts: { intervalMs: number; olderThanMs: number }): Resource {
    return periodicResource({
      name: 'ledger-sweeper',
      intervalMs: opts.intervalMs,
      firstRunAfterMs: opts.intervalMs,
      unreadyAfterFailures: 0,
      logger: this.logger,
      run: () => this.sweep(opts.olderThanMs),
    });
  }
}
