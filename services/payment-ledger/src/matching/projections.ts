import type { MerchantSnapshot, QrExpiredV1, QrIssuedV1 } from '@marketqr/contracts';
import { findIn } from '@marketqr/mongo';
import type { Logger } from '@marketqr/service-kit';
import type { QrRef, StallRef } from '../domain/matching';
import type { Models, QrView, StallView } from '../store/models';
import { unlessDuplicate } from '@marketqr/service-kit';

export const toStallRef = (s: StallView): StallRef => ({
  merchantId: s._id,
  marketId: s.marketId,
  stallCode: s.stallCode,
  status: s.status,
});

export const toQrRef = (q: QrView): QrRef | null =>
  q.kind === 'dynamic' && q.orderCode && q.amount
    ? {
        qrId: q._id,
        merchantId: q.merchantId,
        marketId: q.marketId,
        stallCode: q.stallCode,
        orderCode: q.orderCode,
        amount: q.amount,
        expiresAt: q.expiresAt,
        status: q.status,
      }
    : null;

/**
 * What payment-ledger keeps of other services' state (Kafka is the only way to learn it): stalls from merchant
 * events, QRs from qr events, and which collection account belongs to which market. Written only by the event
 * consumer (one partition per stall, so one writer per document) and read by matching.
 */
/** How old the in-memory stall directory may get before a lookup reloads it (other replicas apply events too). */
const STALL_DIRECTORY_MS = 1_000;
/**
 * How long a stall's dynamic QRs, as read from the store, serve matching before they are read again. This process's
 * own QR events drop the stall's list at once (see `forgetStallQrs`), so with one replica the lists are always exact;
 * the age only bounds how late this replica sees a QR another replica applied. An order code the description names
 * exactly is looked up in the store whenever the receiving stall's list lacks it, so the age matters only for a code
 * the bank mangled (found by searching the description for the stall's codes) paid within this long of its issue.
 */
const STALL_QRS_MS = 30_000;
/** Stalls whose QR lists are kept; past this the cache starts over (a forgotten list costs one read). */
const STALL_QRS_MAX = 20_000;

export class Projections {
  private readonly learned = new Map<string, string>();
  /**
   * Every stall by virtual account, in memory: matching looks up a stall for each notification, and on FerretDB a
   * filter on `virtualAccount.accountNumber` scans the whole collection. Kept exact for what this process applies,
   * and reloaded (one read of all stalls) when older than STALL_DIRECTORY_MS, for what other replicas applied.
   */
  private directory: { byVa: Map<string, StallView[]>; loadedAt: number } | null = null;
  private loading: Promise<Map<string, StallView[]>> | null = null;
  /**
   * Each stall's dynamic QRs, read through: every notification to a stall needs them (its codes are looked for in the
   * description), and on FerretDB that is one query per notification — the costliest query of the money path at
   * 250 payments/s. `generation` counts this process's QR events per stall, so a read that raced one is not kept.
   */
  private readonly stallQrs = new Map<string, { qrs: QrView[]; loadedAt: number }>();
  private readonly stallQrsLoading = new Map<string, Promise<QrView[]>>();
  private readonly qrGeneration = new Map<string, number>();

  constructor(
    private readonly models: Models,
    private readonly configuredAccounts: Map<string, string>,
    private readonly logger: Logger,
  ) {}

  /** Keeps the newest snapshot of a stall. Returns 'stale' for an event older than what is stored. */
  async applyMerchant(d: MerchantSnapshot, occurredAt: Date): Promise<'applied' | 'stale'> {
    const fields = {
      marketId: d.marketId,
      stallCode: d.stallCode,
      vendorName: d.vendorName,
      virtualAccount: d.virtualAccount
        ? { bin: d.virtualAccount.bin, accountNumber: d.virtualAccount.accountNumber }
        : null,
      status: d.status,
      lastEventAt: occurredAt,
      updatedAt: new Date(),
    };
    const col = this.models.stalls;
    const res = await col.updateOne({ _id: d.merchantId, lastEventAt: { $lte: occurredAt } }, { $set: fields });
    if (res.matchedCount > 0) return this.remember({ _id: d.merchantId, ...fields } as StallView);
    // A duplicate: another event of this stall inserted it since the update above found nothing.
    if (!(await unlessDuplicate(col.insertOne({ _id: d.merchantId, ...fields })))) return 'stale';
    return this.remember({ _id: d.merchantId, ...fields } as StallView);
  }

  /** What this process just stored is in the directory at once (a held payment is matched again right after). */
  private remember(stall: StallView): 'applied' {
    if (!this.directory) return 'applied';
    for (const [va, list] of this.directory.byVa) {
      const rest = list.filter((s) => s._id !== stall._id);
      if (rest.length !== list.length) {
        if (rest.length) this.directory.byVa.set(va, rest);
        else this.directory.byVa.delete(va);
      }
    }
    const va = stall.virtualAccount?.accountNumber;
    if (va) this.directory.byVa.set(va, [...(this.directory.byVa.get(va) ?? []), stall]);
    return 'applied';
  }

  private async stallsByVa(): Promise<Map<string, StallView[]>> {
    if (this.directory && Date.now() - this.directory.loadedAt < STALL_DIRECTORY_MS) return this.directory.byVa;
    // One reload at a time, shared by every lookup waiting for it.
    this.loading ??= (async () => {
      const loadedAt = Date.now();
      const byVa = new Map<string, StallView[]>();
      for (const s of (await this.models.stalls.find({}).toArray()) as StallView[]) {
        const va = s.virtualAccount?.accountNumber;
        if (va) byVa.set(va, [...(byVa.get(va) ?? []), s]);
      }
      this.directory = { byVa, loadedAt };
      return byVa;
    })().finally(() => (this.loading = null));
    return this.loading;
  }

  async applyQrIssued(d: QrIssuedV1): Promise<void> {
    const doc: QrView = {
      _id: d.qrId,
      merchantId: d.merchantId,
      marketId: d.marketId,
      kind: d.kind,
      stallCode: d.stallCode,
      accountNumber: d.accountNumber,
      orderCode: d.orderCode ? d.orderCode.toUpperCase() : null,
      amount: d.amount,
      expiresAt: d.expiresAt ? new Date(d.expiresAt) : null,
      status: 'issued',
      updatedAt: new Date(),
    };
    await unlessDuplicate(this.models.qrs.insertOne(doc));
    this.forgetStallQrs(d.merchantId);
  }

  async applyQrRevoked(qrId: string, merchantId: string): Promise<void> {
    await this.models.qrs.updateOne({ _id: qrId }, { $set: { status: 'revoked', updatedAt: new Date() } });
    this.forgetStallQrs(merchantId);
  }

  /** A QR event of this stall was applied here: its list is read again when next needed. */
  private forgetStallQrs(merchantId: string): void {
    this.stallQrs.delete(merchantId);
    this.qrGeneration.set(merchantId, (this.qrGeneration.get(merchantId) ?? 0) + 1);
  }

  /** The stall's dynamic QRs (issued, paid, expired or revoked: matching weighs them), from memory when fresh. */
  private async dynamicQrsOf(merchantId: string): Promise<QrView[]> {
    const cached = this.stallQrs.get(merchantId);
    if (cached && Date.now() - cached.loadedAt < STALL_QRS_MS) return cached.qrs;
    const running = this.stallQrsLoading.get(merchantId);
    if (running) return running;
    const generation = this.qrGeneration.get(merchantId) ?? 0;
    const loadedAt = Date.now();
    const load = (async () => {
      const qrs = (await this.models.qrs.find({ merchantId, kind: 'dynamic' }).limit(500).toArray()) as QrView[];
      // Kept only if no QR event of this stall was applied meanwhile (the read may predate it).
      if ((this.qrGeneration.get(merchantId) ?? 0) === generation) {
        if (this.stallQrs.size >= STALL_QRS_MAX) this.stallQrs.clear();
        this.stallQrs.set(merchantId, { qrs, loadedAt });
      }
      return qrs;
    })().finally(() => this.stallQrsLoading.delete(merchantId));
    this.stallQrsLoading.set(merchantId, load);
    return load;
  }

  /** qr.expired carries the whole QR, so it also fills in one whose qr.issued never reached us. */
  async applyQrExpired(d: QrExpiredV1): Promise<void> {
    const col = this.models.qrs;
    const res = await col.updateOne(
      { _id: d.qrId, status: 'issued' },
      { $set: { status: 'expired', updatedAt: new Date() } },
    );
    this.forgetStallQrs(d.merchantId);
    if (res.matchedCount > 0 || (await col.countDocuments({ _id: d.qrId }, { limit: 1 })) > 0) return;
    // Only this rare path needs the stall's code.
    const stallCode = (await this.stall(d.merchantId))?.stallCode ?? null;
    await unlessDuplicate(
      col.insertOne({
        _id: d.qrId,
        merchantId: d.merchantId,
        marketId: d.marketId,
        kind: 'dynamic',
        stallCode: stallCode ?? '',
        accountNumber: '',
        orderCode: d.orderCode.toUpperCase(),
        amount: d.amount,
        expiresAt: new Date(d.expiresAt),
        status: 'expired',
        updatedAt: new Date(),
      }),
    );
    this.forgetStallQrs(d.merchantId);
  }

  async stall(merchantId: string): Promise<StallView | null> {
    return (await this.models.stalls.findOne({ _id: merchantId })) as StallView | null;
  }

  /** The stall whose virtual account this is. A stale mapping (the stall moved to another account) does not count. */
  async stallByVirtualAccount(accountNumber: string, opts: { fresh?: boolean } = {}): Promise<StallView | null> {
    const rows = opts.fresh
      ? ((await this.models.stalls
          .find({ 'virtualAccount.accountNumber': accountNumber })
          .limit(5)
          .toArray()) as StallView[])
      : [...((await this.stallsByVa()).get(accountNumber) ?? [])];
    // What the store says now goes into the directory too, so the next lookup (the rematch) sees it.
    if (opts.fresh) rows.forEach((r) => this.remember(r));
    if (rows.length > 1) this.logger.warn({ accountNumber, stalls: rows.map((r) => r._id) }, 'virtual account shared');
    // If ever two claim it, the most recently changed one (the other's event is older) holds it.
    return rows.sort((a, b) => b.lastEventAt.getTime() - a.lastEventAt.getTime())[0] ?? null;
  }

  /**
   * QRs that may be the one a notification paid: those carrying one of `codes`, and every dynamic QR of the stall
   * whose virtual account received it (their codes are then looked for anywhere in the description). The stall's QRs
   * come from memory when fresh (see `dynamicQrsOf`); only codes that are not among them are looked up in the store
   * (another stall's QR, or one this replica has not seen yet). `merchantId` null: the store alone (the re-check of a
   * held notification, which must see what was applied a moment ago anywhere).
   */
  async qrCandidates(codes: string[], merchantId: string | null): Promise<QrView[]> {
    const own = merchantId ? await this.dynamicQrsOf(merchantId) : [];
    const ownCodes = new Set(own.map((q) => q.orderCode));
    const rest = codes.filter((c) => !ownCodes.has(c));
    if (rest.length === 0) return own;
    const byCode = await findIn(this.models.qrs, rest, { field: 'orderCode' });
    return [...new Map([...own, ...byCode].map((q) => [q._id, q])).values()];
  }

  /** The market of a collection account: the configured list first, then what earlier payments taught us. */
  async marketOfAccount(accountNumber: string | null): Promise<string | null> {
    if (!accountNumber) return null;
    const configured = this.configuredAccounts.get(accountNumber);
    if (configured) return configured;
    const cached = this.learned.get(accountNumber);
    if (cached) return cached;
    const row = await this.models.collectionAccounts.findOne({ _id: accountNumber });
    if (row) this.learned.set(accountNumber, row.marketId as string);
    return (row?.marketId as string | undefined) ?? null;
  }

  /**
   * Which market a collection account belongs to, as merchant events say (the snapshot carries it) or as a payment
   * matched by its virtual account shows (the virtual account lives under it): remembered so that later transfers to
   * the bare collection account find their market. `source` says where it was learned (a payment or an event id).
   */
  async learnCollectionAccount(accountNumber: string, marketId: string, source: string): Promise<void> {
    if (this.configuredAccounts.has(accountNumber) || this.learned.get(accountNumber) === marketId) return;
    const doc = { _id: accountNumber, marketId, learnedFrom: source, at: new Date() };
    if (await unlessDuplicate(this.models.collectionAccounts.insertOne(doc))) {
      this.learned.set(accountNumber, marketId);
    } else {
      const row = await this.models.collectionAccounts.findOne({ _id: accountNumber });
      if (row && row.marketId !== marketId) {
        this.logger.warn(
          { accountNumber, known: row.marketId, seen: marketId, source },
          'collection account seen under two markets: keeping the first',
        );
      }
    }
  }
}
