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

/** A pending marker younger than this is a writer at work, not a fault. */
const IN_PROGRESS_MS = 60_000;

/** Entries being written now: pending markers, and payments whose inbox work item is still there. */
async function inProgressIds(models: Models): Promise<Set<string>> {
  const cutoff = new Date(Date.now() - IN_PROGRESS_MS);
  const markers = await models.pending.find({ at: { $gte: cutoff } }).toArray();
  const work = await models.work.find({}, { projection: { _id: 1 } }).toArray();
  return new Set([...markers.map((r) => r._id), ...work.map((w) => `payment:${w._id}`)]);
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
  const pending = await inProgressIds(models);

  const expected = new Map<string, number>();
  const paymentEntries = new Set<string>();
  let entries = 0;
  for await (const doc of models.entries.find({})) {
    const e = doc as JournalEntry;
    entries++;
    if (e.kind === 'payment') paymentEntries.add(e._id);
    if (!Array.isArray(e.postings) || e.postings.length < 2) {
      add({ kind: 'entry_too_few_postings', entryId: e._id, message: 'an entry needs at least two postings' });
      continue;
    }
    const sum = e.postings.reduce((s, p) => s + p.amount, 0);
    if (sum !== 0) add({ kind: 'entry_unbalanced', entryId: e._id, message: `postings sum to ${sum}, not 0` });
    for (const p of e.postings) {
      if (!Number.isSafeInteger(p.amount)) {
        add({ kind: 'posting_not_integer', entryId: e._id, account: p.account, message: `amount ${p.amount}` });
      }
      expected.set(`${p.account}\n${e._id}`, p.amount);
    }
  }

  const chains = new Map<string, { count: number; sum: number; maxSeq: number; lastBalance: number }>();
  let postings = 0;
  const seen = new Set<string>();
  for await (const doc of models.postings.find({}, { projection: { memo: 0, outboxWriteIds: 0 } })) {
    const p = doc as Posting;
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
    seen.add(key);
    const want = expected.get(key);
    if (want === undefined) {
      add({
        kind: 'posting_without_entry',
        account: p.account,
        entryId: p.entryId,
        seq: p.seq,
        message: 'no such entry',
      });
    } else if (want !== p.amount) {
      add({
        kind: 'posting_amount_differs',
        account: p.account,
        entryId: p.entryId,
        seq: p.seq,
        message: `posting ${p.amount}, entry says ${want}`,
      });
    }
  }
  const incomplete = new Set<string>();
  for (const key of expected.keys()) {
    if (seen.has(key)) continue;
    const [account, entryId] = key.split('\n') as [string, string];
    if (pending.has(entryId)) {
      incomplete.add(entryId);
      continue;
    }
    add({ kind: 'posting_missing', account, entryId, message: 'entry posting not in the account chain' });
  }
  const inProgress = incomplete.size;

  // Every acknowledged notification is posted or still queued: one that is neither was lost between the two.
  const queued = new Set((await models.work.find({}, { projection: { _id: 1 } }).toArray()).map((w) => w._id));
  const settledBefore = new Date(Date.now() - IN_PROGRESS_MS);
  const inbox = models.inbox.find(
    { flag: null, receivedAt: { $lt: settledBefore } },
    { projection: { _id: 1, receivedAt: 1 } },
  );
  for await (const r of inbox) {
    if (!paymentEntries.has(`payment:${r._id}`) && !queued.has(r._id)) {
      add({
        kind: 'notification_unposted',
        entryId: `payment:${r._id}`,
        message: 'stored, acknowledged, never posted',
      });
    }
  }

  const dbSums = new Map<string, number>();
  const grouped = await models.postings
    .aggregate<{ _id: string; total: number }>([{ $group: { _id: '$account', total: { $sum: '$amount' } } }])
    .toArray();
  for (const g of grouped) dbSums.set(g._id, g.total);

  for (const [account, c] of chains) {
    if (c.count !== c.maxSeq) {
      add({ kind: 'chain_gap', account, message: `${c.count} postings but last seq is ${c.maxSeq}` });
    }
    if (c.lastBalance !== c.sum) {
      add({ kind: 'balance_mismatch', account, message: `balance ${c.lastBalance} but postings sum to ${c.sum}` });
    }
    const db = dbSums.get(account);
    if (db !== c.sum) add({ kind: 'balance_mismatch_db', account, message: `database sums ${db}, read ${c.sum}` });
  }

  return {
    command: 'check',
    ok: problems.length === 0,
    entries,
    accounts: chains.size,
    postings,
    inProgress,
    problems,
    durationMs: Date.now() - started,
  };
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
  const pending = await inProgressIds(models);

  const entries = new Map<string, { entry: JournalEntry; hash: string }>();
  for await (const doc of models.entries.find({})) {
    const e = doc as JournalEntry;
    const hash = entryHash(e);
    if (hash !== e.hash) add({ kind: 'entry_modified', entryId: e._id, message: 'content does not match its hash' });
    entries.set(e._id, { entry: e, hash });
  }

  const chained = new Set<string>();
  let postings = 0;
  let account: string | null = null;
  let prev = { seq: 0, hash: GENESIS_HASH, balance: 0 };
  let accountsSeen = 0;
  const cursor = models.postings.find({}, { projection: { outboxWriteIds: 0 } }).sort({ account: 1, seq: 1 });
  for await (const doc of cursor) {
    const p = doc as Posting;
    postings++;
    if (p.account !== account) {
      account = p.account;
      accountsSeen++;
      prev = { seq: 0, hash: GENESIS_HASH, balance: 0 };
    }
    const at = { account: p.account, seq: p.seq, entryId: p.entryId };
    if (p.seq !== prev.seq + 1) add({ ...at, kind: 'chain_gap', message: `seq ${p.seq} follows ${prev.seq}` });
    if (p.prevHash !== prev.hash) add({ ...at, kind: 'chain_broken', message: 'prevHash is not the previous hash' });
    if (p.balanceAfter !== prev.balance + p.amount) {
      add({ ...at, kind: 'balance_broken', message: `${prev.balance} + ${p.amount} ≠ ${p.balanceAfter}` });
    }
    const found = entries.get(p.entryId);
    if (!found) {
      add({ ...at, kind: 'posting_without_entry', message: 'no such entry' });
    } else {
      chained.add(`${p.account}\n${p.entryId}`);
      const line = found.entry.postings.find((x) => x.account === p.account);
      if (!line || line.amount !== p.amount) {
        add({ ...at, kind: 'posting_amount_differs', message: `posting ${p.amount}, entry ${line?.amount}` });
      }
      if (canonicalJson(p.memo ?? null) !== canonicalJson(memoFor(found.entry, p.account))) {
        add({ ...at, kind: 'memo_modified', message: 'memo does not match its entry' });
      }
      if (postingHash(p, found.hash) !== p.hash) {
        add({ ...at, kind: 'posting_hash_mismatch', message: 'posting or its entry was modified' });
      }
    }
    prev = { seq: p.seq, hash: p.hash, balance: p.balanceAfter };
  }

  let inProgress = 0;
  for (const { entry } of entries.values()) {
    for (const line of entry.postings) {
      if (chained.has(`${line.account}\n${entry._id}`)) continue;
      if (pending.has(entry._id)) inProgress++;
      else add({ kind: 'posting_missing', account: line.account, entryId: entry._id, message: 'not in the chain' });
    }
  }

  return {
    command: 'verify',
    ok: problems.length === 0,
    entries: entries.size,
    accounts: accountsSeen,
    postings,
    inProgress,
    problems,
    durationMs: Date.now() - started,
  };
}
