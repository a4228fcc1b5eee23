import type { Outbox } from '@marketqr/messaging';
import { deleteByIds, findIn, insertManyReporting, type InsertResult } from '@marketqr/mongo';
import {
  MicroBatcher,
  periodicResource,
  type ItemOutcome,
  type Logger,
  type MicroBatchOptions,
  type Resource,
} from '@marketqr/service-kit';
import { accounts } from '../domain/accounts';
import { compact } from '../domain/canonical';
import type { Envelope } from '@marketqr/contracts';
import { businessEventsFor, events } from '../events';
import type { LedgerMetrics } from '../metrics';
import type { EntryKind, EntryPosting, JournalEntry, Models, Posting } from '../store/models';
import { buildPosting, entryHash, entryProblem, GENESIS, headOf, type Head } from './chain';
import type { EntryMetaOf } from './entry-meta';

const idOfJob = (j: Job) => (j.type === 'post' ? j.draft._id : j.entry._id);

function throwFailed(results: InsertResult[]): void {
  for (const r of results) if (r.status === 'failed') throw r.error;
}

interface NewEntryBase {
  /** The source key: a second entry with the same key is "already done", never a second posting. */
  id: string;
  reference: { type: string; id: string };
  paymentId?: string | null;
  marketId: string | null;
  merchantId: string | null;
  businessDay: string;
  description?: string;
  postings: EntryPosting[];
  postedAt?: Date;
}

/** An entry to post; its meta records everything the entry's events say (events.ts `businessEventsFor`). */
export type NewEntry = { [K in EntryKind]: NewEntryBase & { kind: K; meta: EntryMetaOf[K] } }[EntryKind];

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

/** What goes through the ledger's one writer: a new entry to post, or a stored entry whose postings may be missing. */
type Job = { type: 'post'; draft: JournalEntry; marked: boolean } | { type: 'complete'; entry: JournalEntry };

/**
 * The double-entry journal and its per-account hash chains, written by group commit.
 *
 * Every append goes through one writer per process (a MicroBatcher): concurrent `post` and `complete` calls are
 * gathered into a batch (closing at LEDGER_BATCH_MAX_ITEMS or LEDGER_BATCH_WAIT_MS) and the batch is written with a
 * handful of round trips, whatever its size:
 *   1. pending markers for entries whose caller keeps no record of its own (so a crash part-way is found and completed
 *      by the sweeper); the inbox's payments keep a work item instead and skip this;
 *   2. the entries, one unordered insertMany, `_id` = source key: of two writers (two replicas, a redelivery, a retry)
 *      exactly one insert wins, the other learns "duplicate" and treats it as done;
 *   3. each account's new postings built in memory as one block on the account's head — seq = head + 1, balance =
 *      head balance + amount, hash over the previous hash — and all blocks stored with their events by one ordered
 *      insertMany (the outbox's `insertBatch`). A posting's `_id` is `<account>#<seq>`, so two writers can never both
 *      append seq n. Inside one process the single writer keeps that from happening at all; across replicas the unique
 *      key is the arbiter: the ordered insert stops at the first refused posting, so every chain keeps a gapless
 *      prefix, and what was not stored is built again on the fresh head (or found already there);
 *   4. the markers are removed.
 * The hot account of a market (its bank account takes a posting for every payment) thus costs one insert per batch,
 * not one per payment, and nothing waits on a lock. An entry's events ride on one of its postings (see `carrierOf`).
 * Balances are never `$inc`-ed: each posting carries the balance its one writer computed, so a balance is always the
 * sum of its postings (the check command proves it).
 */
export class Ledger {
  private readonly heads = new Map<string, Head>();
  private readonly listeners: ((p: Posting) => void)[] = [];
  private readonly writer: MicroBatcher<Job, PostResult>;

  constructor(
    private readonly models: Models,
    private readonly outbox: Outbox,
    private readonly logger: Logger,
    private readonly metrics?: LedgerMetrics,
    batch: MicroBatchOptions = { maxItems: 200, maxWaitMs: 2 },
  ) {
    this.writer = new MicroBatcher(batch, (jobs) => this.writeBatch(jobs));
  }

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
    // The kind and its meta travel together from the input (TypeScript cannot follow the pair through the spread).
    const draft = compact({
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
      meta: input.meta,
      hash: '',
    }) as JournalEntry;
    draft.hash = entryHash(draft);
    return this.writer.submit({ type: 'post', draft, marked: !opts.trackedByCaller });
  }

  /** Whether every posting of an entry tracked by its caller is written (one lookup by `_id`). */
  async isPosted(entryId: string): Promise<boolean> {
    return (await this.models.posted.findOne({ _id: entryId })) !== null;
  }

  /** Appends every posting of a stored entry that is not in its account's chain yet. Idempotent. */
  async complete(entry: JournalEntry): Promise<Posting[]> {
    return (await this.writer.submit({ type: 'complete', entry })).postings;
  }

  /** Waits until everything handed to the writer so far is written (shutdown, tests). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  private async writeBatch(jobs: Job[]): Promise<ItemOutcome<PostResult>[]> {
    const models = this.models;
    this.metrics?.postBatches.observe(jobs.length);
    const posts = jobs.filter((j): j is Extract<Job, { type: 'post' }> => j.type === 'post');
    const markers = posts.filter((j) => j.marked).map((j) => ({ _id: j.draft._id, at: new Date() }));
    throwFailed(await insertManyReporting(models.pending, markers, { ordered: false }));

    // One insert per distinct entry: a second job with the same source key in this batch is its duplicate.
    const drafts = [...new Map(posts.map((j) => [j.draft._id, j.draft])).values()];
    const inserted = await insertManyReporting(models.entries, drafts, { ordered: false });
    const fresh = new Set<string>();
    const failed = new Map<string, unknown>();
    const duplicates: string[] = [];
    drafts.forEach((d, i) => {
      const r = inserted[i]!;
      if (r.status === 'inserted') fresh.add(d._id);
      else if (r.status === 'duplicate') duplicates.push(d._id);
      else failed.set(d._id, r.status === 'failed' ? r.error : new Error('entry not inserted'));
    });
    const stored = new Map<string, JournalEntry>();
    for (const d of drafts) if (fresh.has(d._id)) stored.set(d._id, d);
    if (duplicates.length) {
      for (const e of await findIn(models.entries, duplicates)) {
        stored.set(e._id, e as JournalEntry);
      }
    }
    for (const j of jobs) if (j.type === 'complete') stored.set(j.entry._id, j.entry);

    const postings = await this.appendAll([...stored.values()], fresh);
    if (markers.length)
      await deleteByIds(
        models.pending,
        markers.map((m) => m._id),
      );
    // Entries tracked by their caller are recorded as complete, so a caller checking later needs one `_id` lookup.
    const done = [...new Set(jobs.filter((j) => j.type === 'complete' || !j.marked).map(idOfJob))].filter((id) =>
      stored.has(id),
    );
    throwFailed(
      await insertManyReporting(
        models.posted,
        done.map((_id) => ({ _id, at: new Date() })),
        { ordered: false },
      ),
    );

    const claimed = new Set<string>();
    return jobs.map((j): ItemOutcome<PostResult> => {
      const id = idOfJob(j);
      if (failed.has(id)) return { ok: false, error: failed.get(id) };
      const entry = stored.get(id);
      if (!entry) return { ok: false, error: new Error(`entry ${id}: duplicate key but not found`) };
      // The first job of a fresh entry posted it; any other job with that key found it already done.
      const duplicate = j.type === 'complete' || !fresh.has(id) || claimed.has(id);
      claimed.add(id);
      if (j.type === 'post' && !duplicate) this.metrics?.entries.inc({ kind: entry.kind });
      const byAccount = postings.get(id)!;
      return { ok: true, value: { entry, duplicate, postings: entry.postings.map((p) => byAccount.get(p.account)!) } };
    });
  }

  /**
   * Makes sure every posting of these entries is in its account's chain, appending what is missing in blocks, and
   * returns them by entry and account. `fresh` entries were inserted by this batch, so none of their postings can
   * exist yet and nobody needs to look.
   */
  private async appendAll(entries: JournalEntry[], fresh: Set<string>): Promise<Map<string, Map<string, Posting>>> {
    const written = new Map(entries.map((e) => [e._id, new Map<string, Posting>()]));
    let lookup = entries.filter((e) => !fresh.has(e._id));
    for (let attempt = 1; ; attempt++) {
      if (lookup.length) {
        const ids = lookup.map((e) => e._id);
        for (const p of await findIn(this.models.postings, ids, { field: 'entryId' })) {
          written.get(p.entryId)?.set(p.account, p as Posting);
        }
      }
      const needed = entries.flatMap((entry) =>
        entry.postings
          .filter((p) => !written.get(entry._id)!.has(p.account))
          .map((p) => ({ entry, account: p.account })),
      );
      if (needed.length === 0) return written;
      if (attempt > 25) throw new Error(`could not append ${needed.length} postings after ${attempt - 1} attempts`);

      const local = new Map<string, Head>();
      await Promise.all(
        [...new Set(needed.map((n) => n.account))].map(async (a) =>
          local.set(a, this.heads.get(a) ?? (await this.loadHead(a))),
        ),
      );
      const now = new Date();
      const block: { posting: Posting; events: Envelope[] }[] = [];
      for (const { entry, account } of needed) {
        const posting = buildPosting(entry, account, local.get(account)!, now);
        local.set(account, headOf(posting));
        const carrier = carrierOf(entry);
        const events =
          account === carrier.account ? await this.eventsFor(entry, posting, carrier.stallAccount, local) : [];
        block.push({ posting, events });
      }
      const results = await this.outbox.insertBatch(
        this.models.Posting,
        block.map((b) => ({ doc: { ...b.posting }, events: b.events })),
        { ordered: true },
      );
      let conflict: string | null = null;
      for (const [i, r] of results.entries()) {
        const { posting } = block[i]!;
        if (r.status === 'inserted') {
          written.get(posting.entryId)!.set(posting.account, posting);
          this.remember(posting.account, headOf(posting));
          for (const l of this.listeners) l(posting);
        } else if (r.status === 'failed') {
          throw r.error;
        } else if (r.status === 'duplicate') {
          conflict = posting.account;
        }
      }
      // Another writer appended to this account (another replica, or a sweeper there), or already appended this very
      // posting: forget the head, read what is stored, and build what is still missing on top of it.
      if (conflict !== null) {
        this.heads.delete(conflict);
        this.metrics?.chainConflicts.inc();
      }
      lookup = entries.filter((e) => e.postings.some((p) => !written.get(e._id)!.has(p.account)));
    }
  }

  private async eventsFor(
    entry: JournalEntry,
    posting: Posting,
    stallAccount: string | null,
    local: Map<string, Head>,
  ): Promise<Envelope[]> {
    const raised = businessEventsFor(entry);
    if (stallAccount) {
      // The stall's balance as of this posting: its own posting's, or (a payout's bank leg) the stall's head as this
      // batch leaves it, else as stored.
      const balance =
        posting.account === stallAccount
          ? posting.balanceAfter
          : (local.get(stallAccount)?.balance ?? (await this.latest(stallAccount))?.balanceAfter ?? 0);
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
    return latestPosting(this.models.postings, account);
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

/** The latest posting of an account: one sorted query on the (account, seq) index. */
export async function latestPosting(postings: Models['postings'], account: string): Promise<Posting | null> {
  const [last] = await postings.find({ account }).sort({ seq: -1 }).limit(1).toArray();
  return (last as Posting | undefined) ?? null;
}
