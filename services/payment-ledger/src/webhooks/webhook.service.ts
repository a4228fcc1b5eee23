import type { Logger, MicroBatchOptions } from '@marketqr/service-kit';
import type { Provider } from '../config';
import { canonicalJson, sha256Hex } from '../domain/canonical';
import { modifiedResend } from './errors';
import { InsertBatcher } from '@marketqr/mongo';
import type { Notification } from '../domain/notification';
import { retryAt, workItemFor, type InboxProcessor } from '../matching/inbox.processor';
import type { InboxRecord, Models, WorkItem } from '../store/models';
import { unlessDuplicate } from '@marketqr/service-kit';

/**
 * The payment id is derived from (provider, provider transaction id): the same notification always gets the same
 * id, so even a duplicate that slipped past the inbox's unique index could not make a second `payment:<id>` entry.
 */
export const paymentIdFor = (provider: Provider, providerTxId: string): string =>
  `pay_${sha256Hex(`${provider}\n${providerTxId}`).slice(0, 24)}`;

export interface StoreResult {
  paymentId: string;
  duplicate: boolean;
  ignored: boolean;
}

/**
 * Stores a verified notification and starts posting it.
 *
 * The inbox record is the store: its unique (provider, providerTxId) index decides duplicates (exactly one of any
 * number of concurrent deliveries is stored; the others are acknowledged as duplicates and change nothing). Then the
 * notification is posted while the provider waits, up to `postWaitMs`. Only if that does not finish in time (or
 * fails) is a work item written, before the answer, for the processor's poller. So an acknowledged notification is
 * always either posted or queued; a crash before the answer leaves a stored record the provider delivers again, and
 * that duplicate delivery queues it (unless this process knows it is posted).
 */
export class WebhookService {
  /**
   * Concurrent notifications are stored together (group commit): one unordered insertMany per batch, closed at
   * `batch.maxItems` or `batch.maxWaitMs`. Each request is still answered only after its own record is stored, and the
   * unique index still decides duplicates, document by document.
   */
  private readonly inbox: InsertBatcher<InboxRecord>;
  private readonly workItems: InsertBatcher<WorkItem>;

  constructor(
    private readonly models: Models,
    private readonly processor: InboxProcessor,
    private readonly logger: Logger,
    private readonly opts: { graceMs: number; postWaitMs: number; batch: MicroBatchOptions },
  ) {
    this.inbox = new InsertBatcher(models.inbox, opts.batch);
    // Under load every payment not posted within postWaitMs gets one: they go in together too.
    this.workItems = new InsertBatcher(models.work, opts.batch);
  }

  async store(n: Notification, rawBody: Buffer, signature: Record<string, string>): Promise<StoreResult> {
    const paymentId = paymentIdFor(n.provider, n.providerTxId);
    const receivedAt = new Date();
    const ignored = n.direction === 'out';
    const record: InboxRecord = {
      _id: paymentId,
      provider: n.provider,
      providerTxId: n.providerTxId,
      notification: n,
      rawBody: rawBody.toString('utf8'),
      signature,
      receivedAt,
      flag: ignored ? 'ignored_outgoing' : null,
      contentHash: contentHashOf(n),
    };
    const work = ignored ? null : workItemFor(paymentId, n, receivedAt, this.opts.graceMs);
    if ((await this.inbox.insert(record)) === 'duplicate') {
      // Maybe the first delivery was stored and then the process died before answering (that is why the provider
      // sends it again): make sure it is queued. A work item for one already posted is dropped by the poller.
      await this.refuseIfModified(record);
      if (work && !this.processor.knows(paymentId)) await this.queue(work);
      return { paymentId, duplicate: true, ignored };
    }
    if (work) {
      const outcome = this.processor.submit(work);
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        outcome,
        new Promise<'waiting'>((r) => (timer = setTimeout(() => r('waiting'), this.opts.postWaitMs))),
      ]);
      clearTimeout(timer);
      if (result === 'waiting' || result === 'failed') {
        this.processor.persisting(paymentId);
        await this.queue(result === 'failed' ? { ...work, attempts: 1, nextAttemptAt: retryAt(1) } : work);
        // Posted while the work item was being written (its delete may have come first): drop it.
        if (this.processor.hasFinished(paymentId)) await this.models.work.deleteOne({ _id: paymentId });
      }
    }
    return { paymentId, duplicate: false, ignored };
  }

  /** Stores a work item (a duplicate is one stored already); together with the other requests' (group commit). */
  private async queue(work: WorkItem): Promise<void> {
    await this.workItems.insert(work);
  }

  /**
   * Same id, other content: the provider is confused or someone replays with edits. The first one stands; this one is
   * recorded durably (once per distinct content) and refused with WEBHOOK.MODIFIED_RESEND, as Mojaloop answers a
   * modified resend. A genuine resend (same content) is an ordinary duplicate. One read by primary key.
   */
  private async refuseIfModified(resend: InboxRecord): Promise<void> {
    const stored = await this.models.inbox.findOne(
      { _id: resend._id },
      { projection: { contentHash: 1, notification: 1 } },
    );
    if (!stored) return;
    const storedHash = stored.contentHash ?? contentHashOf(stored.notification);
    if (storedHash === resend.contentHash) return;
    const differences = differencesOf(stored.notification, resend.notification);
    await unlessDuplicate(
      this.models.modifiedResends.insertOne({
        _id: `${resend._id}:${resend.contentHash}`,
        paymentId: resend._id,
        provider: resend.provider,
        providerTxId: resend.providerTxId,
        storedHash,
        resendHash: resend.contentHash!,
        differences,
        rawBody: resend.rawBody,
        receivedAt: resend.receivedAt,
      }),
    );
    this.logger.warn(
      { paymentId: resend._id, provider: resend.provider, fields: differences.map((d) => d.field) },
      'a resend differs from the stored notification; the stored one stands, the resend is recorded and refused',
    );
    throw modifiedResend(
      resend._id,
      differences.map((d) => d.field),
    );
  }
}

/** The content a resend must repeat: every field of the normalised notification, canonically (Dates as ISO). */
export function contentHashOf(n: Notification): string {
  return sha256Hex(canonicalJson(n));
}

function differencesOf(
  stored: Notification,
  resent: Notification,
): { field: string; stored: unknown; resent: unknown }[] {
  const out: { field: string; stored: unknown; resent: unknown }[] = [];
  const keys = new Set([...Object.keys(stored), ...Object.keys(resent)]) as Set<keyof Notification>;
  for (const k of [...keys].sort()) {
    if (canonicalJson(stored[k] ?? null) !== canonicalJson(resent[k] ?? null)) {
      out.push({ field: k, stored: stored[k] ?? null, resent: resent[k] ?? null });
    }
  }
  return out;
}
