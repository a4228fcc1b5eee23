export interface MicroBatchOptions {
  /** A batch closes at this many items… */
  maxItems: number;
  /** …or this long after its first item arrived, whichever comes first. */
  maxWaitMs: number;
}

/** What the writer says about one item of a batch: its result, or why it failed (only that caller is rejected). */
export type ItemOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

/**
 * Group commit: many concurrent callers each hand in one item and each get their own answer, but the items are
 * written together, one call of `write` per batch, so one database round trip (or one Kafka send) is shared by all of
 * them. A batch closes at `maxItems` or `maxWaitMs` after its first item; batches are written one after another, so
 * while one is in flight the next one fills up — under load batches grow by themselves, and a lone call waits at most
 * `maxWaitMs`. Writing one batch at a time also makes the writer the only one in this process touching what a batch
 * touches (an account's chain, say) without any lock.
 *
 * `write` returns one outcome per item, in order; if it throws, every caller of that batch is rejected with the error.
 */
export class MicroBatcher<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private batches = 0;
  private items = 0;

  constructor(
    private readonly opts: MicroBatchOptions,
    private readonly write: (items: I[]) => Promise<ItemOutcome<O>[]>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (this.pending.length >= this.opts.maxItems) this.close();
      else this.timer ??= setTimeout(() => this.close(), this.opts.maxWaitMs);
    });
  }

  /** Sends what is waiting now and resolves when every batch handed in so far is written (shutdown, tests). */
  async flush(): Promise<void> {
    this.close();
    await this.flushing;
  }

  /** Batches written and items in them since start: items / batches is the mean batch size. */
  stats(): { batches: number; items: number } {
    return { batches: this.batches, items: this.items };
  }

  private close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushing = this.flushing.then(() => this.run(batch));
  }

  private async run(batch: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[]): Promise<void> {
    this.batches++;
    this.items += batch.length;
    let outcomes: ItemOutcome<O>[];
    try {
      outcomes = await this.write(batch.map((b) => b.item));
    } catch (err) {
      batch.forEach((b) => b.reject(err));
      return;
    }
    batch.forEach((b, i) => {
      const o = outcomes[i];
      if (!o) b.reject(new Error('micro-batch writer gave no outcome for this item'));
      else if (o.ok) b.resolve(o.value);
      else b.reject(o.error);
    });
  }
}
