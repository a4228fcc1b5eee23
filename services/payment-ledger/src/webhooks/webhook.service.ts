import type { Logger } from '@marketqr/service-kit';
import type { Provider } from '../config';
import { sha256Hex } from '../domain/canonical';
import type { Notification } from '../domain/notification';
import { prof } from '../ledger/ledger';
import { workItemFor, type InboxProcessor } from '../matching/inbox.processor';
import type { InboxRecord, Models } from '../store/models';

const isDuplicateKey = (e: unknown) => (e as { code?: number } | null)?.code === 11000;

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
 * Stores a verified notification. The work item is written before the inbox record, so a crash between the two can
 * only leave a work item without a record (the processor drops it), never a stored notification nobody will post.
 * The inbox record's unique (provider, providerTxId) index decides duplicates: exactly one of any number of
 * concurrent deliveries is stored; the others are acknowledged as duplicates and change nothing.
 */
export class WebhookService {
  constructor(
    private readonly models: Models,
    private readonly processor: InboxProcessor,
    private readonly logger: Logger,
    private readonly opts: { graceMs: number; postWaitMs: number },
  ) {}

  async store(n: Notification, rawBody: Buffer, signature: Record<string, string>): Promise<StoreResult> {
    const paymentId = paymentIdFor(n.provider, n.providerTxId);
    const receivedAt = new Date();
    const ignored = n.direction === 'out';
    const work = ignored ? null : workItemFor(paymentId, n, receivedAt, this.opts.graceMs);
    let queued = false;
    if (work) {
      queued = await prof('work.insert', () => this.models.work.insertOne(work)).then(
        () => true,
        (e: unknown) => {
          // Still queued from an earlier delivery.
          if (!isDuplicateKey(e)) throw e;
          return false;
        },
      );
    }
    const record: InboxRecord = {
      _id: paymentId,
      provider: n.provider,
      providerTxId: n.providerTxId,
      notification: n,
      rawBody: rawBody.toString('utf8'),
      signature,
      receivedAt,
      flag: ignored ? 'ignored_outgoing' : null,
    };
    try {
      await prof('inbox.insert', () => this.models.inbox.insertOne(record));
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
      // A late duplicate of a payment already posted re-created its work item: when this process posted it, drop
      // it now; otherwise the poller finds the entry and drops it. (Never dropped on a guess: if the first delivery
      // is still being posted elsewhere, that work item is what would finish it after a crash.)
      if (queued && this.processor.hasFinished(paymentId)) await this.models.work.deleteOne({ _id: paymentId });
      // Same id, different money: the provider is confused or someone replays with edits. The first one stands; the
      // comparison is only for the log, so it does not hold up the acknowledgement.
      void this.models.inbox
        .findOne({ _id: paymentId }, { projection: { 'notification.amount': 1, 'notification.direction': 1 } })
        .then((first) => {
          if (first && (first.notification.amount !== n.amount || first.notification.direction !== n.direction)) {
            this.logger.warn(
              {
                paymentId,
                provider: n.provider,
                providerTxId: n.providerTxId,
                first: first.notification.amount,
                now: n.amount,
              },
              'a duplicate notification differs from the stored one; the stored one stands',
            );
          }
        })
        .catch(() => undefined);
      return { paymentId, duplicate: true, ignored };
    }
    if (work) {
      // Posting starts now; the answer waits for it a little (not for ever: a 2xx means stored, not posted). This is
      // the backpressure that keeps a burst from piling up more stored-but-unposted work than the processor can take,
      // and it makes the vendor's announcement immediate.
      const posted = this.processor.submit(work);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([posted, new Promise<void>((r) => (timer = setTimeout(r, this.opts.postWaitMs)))]);
      clearTimeout(timer);
    }
    return { paymentId, duplicate: false, ignored };
  }
}
