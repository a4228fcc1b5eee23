import { stallOfAccount } from '../domain/accounts';
import { canonicalJson, GENESIS_HASH, sha256Hex } from '../domain/canonical';
import type { EntryPosting, JournalEntry, Posting, PostingMemo } from '../store/models';

/**
 * The pure half of the ledger: how an entry is hashed, how a posting is built on top of its account's head, and how
 * both are checked again later. `ledger.ts` stores; `check.ts` verifies with the same functions.
 */

export interface Head {
  seq: number;
  hash: string;
  balance: number;
}

export const GENESIS: Head = { seq: 0, hash: GENESIS_HASH, balance: 0 };

export const postingId = (account: string, seq: number) => `${account}#${seq}`;

/** What an entry's hash covers: every field but the hash itself and the outbox bookkeeping. */
export function entryContent(e: JournalEntry): Record<string, unknown> {
  return {
    _id: e._id,
    kind: e.kind,
    reference: e.reference,
    paymentId: e.paymentId ?? null,
    marketId: e.marketId ?? null,
    merchantId: e.merchantId ?? null,
    businessDay: e.businessDay,
    postedAt: e.postedAt,
    description: e.description ?? '',
    postings: e.postings.map((p) => ({ account: p.account, amount: p.amount })),
    meta: e.meta ?? {},
  };
}

export const entryHash = (e: JournalEntry): string => sha256Hex(canonicalJson(entryContent(e)));

/** Why an entry cannot be posted, or undefined when it balances. */
export function entryProblem(postings: EntryPosting[]): string | undefined {
  if (postings.length < 2) return 'an entry needs at least two postings';
  const seen = new Set<string>();
  let sum = 0;
  for (const p of postings) {
    if (!Number.isSafeInteger(p.amount) || p.amount === 0) return `posting to ${p.account}: not a non-zero integer`;
    if (seen.has(p.account)) return `account ${p.account} appears twice`;
    seen.add(p.account);
    sum += p.amount;
  }
  return sum === 0 ? undefined : `postings sum to ${sum}, not 0`;
}

/** A payment credited to a stall carries what the vendor's phone announces; other postings carry nothing. */
export function memoFor(entry: JournalEntry, account: string): PostingMemo | null {
  if (entry.kind !== 'payment' || !stallOfAccount(account) || !entry.paymentId) return null;
  const m = entry.meta;
  const credit = entry.postings.find((p) => p.account === account)?.amount ?? 0;
  return {
    paymentId: entry.paymentId,
    outcome: m.outcome ?? 'paid',
    amount: -credit,
    description: (m.description ?? entry.description ?? '').slice(0, 200),
    payerName: m.payerName ?? null,
    paidAt: m.paidAt ?? entry.postedAt.toISOString(),
    orderCode: m.orderCode ?? null,
    qrId: m.qrId ?? null,
    expectedAmount: m.expectedAmount ?? null,
  };
}

/** The hash of one posting: over the previous posting's hash and the canonical JSON of the posting and its entry. */
export function postingHash(
  p: Pick<
    Posting,
    | 'account'
    | 'seq'
    | 'entryId'
    | 'kind'
    | 'amount'
    | 'balanceAfter'
    | 'businessDay'
    | 'postedAt'
    | 'memo'
    | 'prevHash'
  >,
  ofEntryHash: string,
): string {
  const content = {
    account: p.account,
    seq: p.seq,
    entryId: p.entryId,
    entryHash: ofEntryHash,
    kind: p.kind,
    amount: p.amount,
    balanceAfter: p.balanceAfter,
    businessDay: p.businessDay,
    postedAt: p.postedAt,
    memo: p.memo ?? null,
  };
  return sha256Hex(`${p.prevHash}\n${canonicalJson(content)}`);
}

/** The next posting of `account` for `entry`, chained on `head`. */
export function buildPosting(entry: JournalEntry, account: string, head: Head, now: Date): Posting {
  const line = entry.postings.find((p) => p.account === account);
  if (!line) throw new Error(`entry ${entry._id} has no posting to ${account}`);
  const seq = head.seq + 1;
  const base = {
    _id: postingId(account, seq),
    account,
    seq,
    entryId: entry._id,
    kind: entry.kind,
    amount: line.amount,
    balanceAfter: head.balance + line.amount,
    businessDay: entry.businessDay,
    postedAt: now,
    memo: memoFor(entry, account),
    prevHash: head.hash,
  };
  return { ...base, hash: postingHash(base, entry.hash) };
}

export const headOf = (p: Pick<Posting, 'seq' | 'hash' | 'balanceAfter'>): Head => ({
  seq: p.seq,
  hash: p.hash,
  balance: p.balanceAfter,
});
