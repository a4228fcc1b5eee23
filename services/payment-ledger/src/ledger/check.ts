import { canonicalJson, GENESIS_HASH } from '../domain/canonical';
import type { JournalEntry, Models, Posting } from '../store/models';
import { entryHash, memoFor, postingHash } from './chain';

export interface Problem {
  kind: string;
  message: string;
  account?: string;
  entryId?: string;
  seq?: number;
}

export interface LedgerReport {
  command: 'check' | 'verify';
  ok: boolean;
  entries: number;
  accounts: number;
  postings: number;
  /** Entries whose postings are still being written (a live writer, or a crash the sweeper will finish). */
  inProgress: number;
  problems: Problem[];
  durationMs: number;
}

const MAX_PROBLEMS = 1_000;

/** An entry this young, or with a pending marker or work item, may still be getting its postings: not a fault. */
const IN_PROGRESS_MS = 60_000;

/**
 * Both commands run against a ledger that may be taking payments, without a snapshot (no transactions on FerretDB).
 * They lean on two facts of how it is written: an entry is stored before any of its postings, and a posting is never
 * changed or removed, seq n being stored before seq n + 1. So they read postings before entries (every posting seen
 * has its entry), look up by id whatever a later write made them miss, and re-read an account on its own, up to a
 * seq it has already seen, before reporting anything about its chain. What they report is still wrong on a quiet
 * ledger; what a concurrent write explains is not reported.
 */
async function inProgressIds(models: Models): Promise<Set<string>> {
  const markers = await models.pending.find({}).toArray();
  const work = await models.work.find({}, { projection: { _id: 1 } }).toArray();
  return new Set([...markers.map((r) => r._id), ...work.map((w) => `payment:${w._id}`)]);
}

interface ChainStats {
  count: number;
  sum: number;
  maxSeq: number;
  lastBalance: number;
}

/**
 * One account's chain as stored now, checked exactly: postings with seq 1..S (S the last one read; all of them are
 * stored and immutable, so a repeated read gives the same), gapless, each balance the running sum, and the
 * database's own sum over seq ≤ S equal to it. Tried a few times: a read racing an append can miss a posting.
 */
async function recheckAccount(models: Models, account: string): Promise<Problem[]> {
  let problems: Problem[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    problems = [];
    const rows = await models.postings
      .find({ account }, { projection: { seq: 1, amount: 1, balanceAfter: 1, entryId: 1 } })
      .sort({ seq: 1 })
      .toArray();
    let sum = 0;
    rows.forEach((p, i) => {
      sum += p.amount;
      if (p.seq !== i + 1)
        problems.push({ kind: 'chain_gap', account, seq: p.seq, message: `seq ${p.seq} at ${i + 1}` });
      if (p.balanceAfter !== sum) {
        problems.push({
          kind: 'balance_mismatch',
          account,
          seq: p.seq,
          message: `balance ${p.balanceAfter}, sum ${sum}`,
        });
      }
    });
    const last = rows.at(-1)?.seq ?? 0;
    const [db] = await models.postings
      .aggregate<{ total: number }>([
        { $match: { account, seq: { $lte: last } } },
        { $group: { _id: null, total: { $sum: '$amount' } } },
      ])
      .toArray();
    if ((db?.total ?? 0) !== sum) {
      problems.push({ kind: 'balance_mismatch_db', account, message: `database sums ${db?.total}, read ${sum}` });
    }
    if (problems.length === 0) return [];
  }
  return problems;
}

/**
 * The arithmetic of the ledger:
 * - every entry has at least two postings, and they sum to zero;
 * - every account's chain is gapless from seq 1, and its balance (the last posting's balanceAfter) equals the sum
 *   of its postings — computed twice: while reading, and by the database (`$group`, one accumulator);
 * - every posting of every entry is in its account's chain exactly once, and every chain posting has its entry;
 * - every stored incoming notification is posted or queued.
 */
export async function checkLedger(models: Models): Promise<LedgerReport> {
  const started = Date.now();
  const problems: Problem[] = [];
  const add = (p: Problem) => problems.length < MAX_PROBLEMS && problems.push(p);
  const recent = new Date(started - IN_PROGRESS_MS);
  const busy = await inProgressIds(models);

  // The database's sums first: every posting they count is also in the scan that follows.
  const dbSums = new Map<string, number>();
  const grouped = await models.postings
    .aggregate<{ _id: string; total: number }>([{ $group: { _id: '$account', total: { $sum: '$amount' } } }])
    .toArray();
  for (const g of grouped) dbSums.set(g._id, g.total);

  // Postings before entries: an entry is stored before its postings, so each posting read has its entry below.
  const chains = new Map<string, ChainStats>();
  const seen = new Map<string, number>();
  let postings = 0;
  for await (const p of models.postings.find({}, { projection: { memo: 0, outboxWriteIds: 0 } })) {
    postings++;
    const c = chains.get(p.account) ?? { count: 0, sum: 0, maxSeq: 0, lastBalance: 0 };
    c.count++;
    c.sum += p.amount;
    if (p.seq > c.maxSeq) {
      c.maxSeq = p.seq;
      c.lastBalance = p.balanceAfter;
    }
    chains.set(p.account, c);
    const key = `${p.account}\n${p.entryId}`;
    if (seen.has(key)) {
      add({
        kind: 'posting_duplicated',
        account: p.account,
        entryId: p.entryId,
        seq: p.seq,
        message: 'twice in chain',
      });
    }
    seen.set(key, p.amount);
  }

  const entryIds = new Set<string>();
  const paymentEntries = new Set<string>();
  let entries = 0;
  const incomplete = new Set<string>();
  for await (const e of models.entries.find({})) {
    entries++;
    entryIds.add(e._id);
    if (e.kind === 'payment') paymentEntries.add(e._id);
    if (!Array.isArray(e.postings) || e.postings.length < 2) {
      add({ kind: 'entry_too_few_postings', entryId: e._id, message: 'an entry needs at least two postings' });
      continue;
    }
    const sum = e.postings.reduce((s, p) => s + p.amount, 0);
    if (sum !== 0) add({ kind: 'entry_unbalanced', entryId: e._id, message: `postings sum to ${sum}, not 0` });
    for (const line of e.postings) {
      if (!Number.isSafeInteger(line.amount)) {
        add({ kind: 'posting_not_integer', entryId: e._id, account: line.account, message: `amount ${line.amount}` });
      }
      const key = `${line.account}\n${e._id}`;
      const amount = seen.get(key);
      if (amount !== undefined) {
        if (amount !== line.amount) {
          add({
            kind: 'posting_amount_differs',
            account: line.account,
            entryId: e._id,
            message: `posting ${amount}, entry says ${line.amount}`,
          });
        }
        continue;
      }
      // Not read above: appended since (look it up), still being appended, or lost.
      if (busy.has(e._id) || e.postedAt >= recent) {
        incomplete.add(e._id);
        continue;
      }
      if ((await models.postings.countDocuments({ account: line.account, entryId: e._id }, { limit: 1 })) === 0) {
        add({ kind: 'posting_missing', account: line.account, entryId: e._id, message: 'not in the account chain' });
      }
    }
  }

  for (const key of seen.keys()) {
    const [account, entryId] = key.split('\n') as [string, string];
    if (!entryIds.has(entryId) && (await models.entries.countDocuments({ _id: entryId }, { limit: 1 })) === 0) {
      add({ kind: 'posting_without_entry', account, entryId, message: 'no such entry' });
    }
  }

  for (const [account, c] of chains) {
    const suspicious = c.count !== c.maxSeq || c.lastBalance !== c.sum || dbSums.get(account) !== c.sum;
    if (suspicious) for (const p of await recheckAccount(models, account)) add(p);
  }

  // Every acknowledged notification is posted or still queued: one that is neither was lost between the two.
  const inbox = models.inbox.find({ flag: null, receivedAt: { $lt: recent } }, { projection: { _id: 1 } });
  for await (const r of inbox) {
    const id = `payment:${r._id}`;
    if (paymentEntries.has(id) || busy.has(id)) continue;
    if ((await models.entries.countDocuments({ _id: id }, { limit: 1 })) === 0) {
      add({ kind: 'notification_unposted', entryId: id, message: 'stored, acknowledged, neither posted nor queued' });
    }
  }

  return {
    command: 'check',
    ok: problems.length === 0,
    entries,
    accounts: chains.size,
    postings,
    inProgress: incomplete.size,
    problems,
    durationMs: Date.now() - started,
  };
}

/** Checks one account's chain, in seq order, against its entries (looked up through `entryOf`). */
async function verifyChain(
  rows: AsyncIterable<Posting> | Posting[],
  entryOf: (id: string) => Promise<{ entry: JournalEntry; hash: string } | undefined>,
  onPosting: (p: Posting) => void,
): Promise<Problem[]> {
  const problems: Problem[] = [];
  let prev = { seq: 0, hash: GENESIS_HASH, balance: 0 };
  for await (const p of rows) {
    onPosting(p);
    const at = { account: p.account, seq: p.seq, entryId: p.entryId };
    if (p.seq !== prev.seq + 1)
      problems.push({ ...at, kind: 'chain_gap', message: `seq ${p.seq} follows ${prev.seq}` });
    if (p.prevHash !== prev.hash)
      problems.push({ ...at, kind: 'chain_broken', message: 'prevHash is not the previous hash' });
    if (p.balanceAfter !== prev.balance + p.amount) {
      problems.push({ ...at, kind: 'balance_broken', message: `${prev.balance} + ${p.amount} ≠ ${p.balanceAfter}` });
    }
    const found = await entryOf(p.entryId);
    if (!found) {
      problems.push({ ...at, kind: 'posting_without_entry', message: 'no such entry' });
    } else {
      const line = found.entry.postings.find((x) => x.account === p.account);
      if (!line || line.amount !== p.amount) {
        problems.push({ ...at, kind: 'posting_amount_differs', message: `posting ${p.amount}, entry ${line?.amount}` });
      }
      if (canonicalJson(p.memo ?? null) !== canonicalJson(memoFor(found.entry, p.account))) {
        problems.push({ ...at, kind: 'memo_modified', message: 'memo does not match its entry' });
      }
      if (postingHash(p, found.hash) !== p.hash) {
        problems.push({ ...at, kind: 'posting_hash_mismatch', message: 'posting or its entry was modified' });
      }
    }
    prev = { seq: p.seq, hash: p.hash, balance: p.balanceAfter };
  }
  return problems;
}

/**
 * The hash chains: recomputes every entry's hash from its content, and every account's chain from seq 1 (each
 * posting's hash over the previous one and over its entry's recomputed hash). Any edit of an entry (amount, account,
 * description, meta, even its stored hash) or of a posting, and any posting removed or inserted, is reported.
 * An edit that also rewrote every later hash of every affected chain needs the heads to be anchored elsewhere to be
 * caught (see the README).
 */
export async function verifyLedger(models: Models): Promise<LedgerReport> {
  const started = Date.now();
  const problems: Problem[] = [];
  const add = (p: Problem) => problems.length < MAX_PROBLEMS && problems.push(p);
  const recent = new Date(started - IN_PROGRESS_MS);
  const busy = await inProgressIds(models);

  const entries = new Map<string, { entry: JournalEntry; hash: string }>();
  const remember = (e: JournalEntry) => {
    const hash = entryHash(e);
    if (hash !== e.hash) add({ kind: 'entry_modified', entryId: e._id, message: 'content does not match its hash' });
    const v = { entry: e, hash };
    entries.set(e._id, v);
    return v;
  };
  for await (const e of models.entries.find({})) remember(e);
  // A posting whose entry was stored after the scan above: fetch it (entries are stored before their postings).
  const entryOf = async (id: string) => {
    const known = entries.get(id);
    if (known) return known;
    const e = await models.entries.findOne({ _id: id });
    return e ? remember(e) : undefined;
  };

  const chained = new Set<string>();
  const accounts = new Set<string>();
  let postings = 0;
  const note = (p: Posting) => {
    postings++;
    accounts.add(p.account);
    chained.add(`${p.account}\n${p.entryId}`);
  };
  // One account at a time, in seq order, from the one sorted cursor.
  let group: Posting[] = [];
  const suspects = new Set<string>();
  const flush = async () => {
    if (group.length && (await verifyChain(group, entryOf, note)).length) suspects.add(group[0]!.account);
    group = [];
  };
  for await (const p of models.postings.find({}, { projection: { outboxWriteIds: 0 } }).sort({ account: 1, seq: 1 })) {
    if (group.length && group[0]!.account !== p.account) await flush();
    group.push(p);
  }
  await flush();
  // What looked wrong is read again, alone, and reported only if it still is (a read can race an append).
  for (const account of suspects) {
    const rows = await models.postings
      .find({ account }, { projection: { outboxWriteIds: 0 } })
      .sort({ seq: 1 })
      .toArray();
    for (const p of await verifyChain(rows, entryOf, () => undefined)) add(p);
  }

  let inProgress = 0;
  for (const { entry } of entries.values()) {
    for (const line of entry.postings) {
      if (chained.has(`${line.account}\n${entry._id}`)) continue;
      if (busy.has(entry._id) || entry.postedAt >= recent) inProgress++;
      else if (
        (await models.postings.countDocuments({ account: line.account, entryId: entry._id }, { limit: 1 })) === 0
      ) {
        add({ kind: 'posting_missing', account: line.account, entryId: entry._id, message: 'not in the chain' });
      }
    }
  }

  return {
    command: 'verify',
    ok: problems.length === 0,
    entries: entries.size,
    accounts: accounts.size,
    postings,
    inProgress,
    problems,
    durationMs: Date.now() - started,
  };
}
