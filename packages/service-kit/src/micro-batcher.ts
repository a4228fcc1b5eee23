export interface MicroBatchOptions {
  /** A batch closes at this many items… */
  maxItems: number;
  /** …or this long after its first item arrived, whichever comes first. */
  maxWaitMs: number;
}

/** What the writer says about one item of a batch: its result, or why it failed (only that caller is rejected). */
export type ItemOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

type Waiting<I, O> = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };

/**
 * Group commit: many concurrent callers each hand in one item and each get their own answer, but the items are
 * written together, one call of `write` per batch, so one database round trip (or one Kafka send) is shared by all of
 * them.
 *
 * One batch is written at a time. While the writer is idle, a batch closes at `maxItems` or `maxWaitMs` after its
 * first item, so a lone call waits at most `maxWaitMs`. While a batch is in flight, nothing closes: everything that
 * arrives meanwhile waits, and the moment the writer is free it takes all of it (up to `maxItems`) as the next batch.
 * So under load batches grow by themselves to what arrives during one write — the slower the database, the bigger the
 * batch — instead of queueing many small batches of `maxWaitMs` worth each behind a slow one. Writing one batch at a
 * time also makes the writer the only one in this process touching what a batch touches (an account's chain, say)
 * without any lock.
 *
 * `write` returns one outcome per item, in order; if it throws, every caller of that batch is rejected with the error.
 */
export class MicroBatcher<I, O> {
  private pending: Waiting<I, O>[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** The batch being written, if any. */
  private writing: Promise<void> | null = null;
  private batches = 0;
  private items = 0;

  constructor(
    private readonly opts: MicroBatchOptions,
    private readonly write: (items: I[]) => Promise<ItemOutcome<O>[]>,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      // Behind a batch in flight, the item is taken when that batch is done (see `next`).
      if (this.writing) return;
      if (this.pending.length >= this.opts.maxItems) this.next();
      else this.timer ??= setTimeout(() => this.next(), this.opts.maxWaitMs);
    });
  }

  /** Sends what is waiting now and resolves when every item handed in so far is written (shutdown, tests). */
  async flush(): Promise<void> {
    this.next();
    while (this.writing) await this.writing;
  }

  /** Batches written and items in them since start: items / batches is the mean batch size. */
  stats(): { batches: number; items: number } {
    return { batches: this.batches, items: this.items };
  }

  /** Starts the next batch with what is waiting, unless one is in flight (it calls this again when done). */
  private next(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.writing || this.pending.length === 0) return;
    const batch = this.pending.splice(0, this.opts.maxItems);
    this.writing = this.run(batch).finally(() => {
      this.writing = null;
      // What arrived during the write has waited long enough: it goes at once.
      this.next();
    });
  }

  private async run(batch: Waiting<I, O>[]): Promise<void> {
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
