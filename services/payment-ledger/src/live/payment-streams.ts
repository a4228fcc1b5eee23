import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Request, Response } from 'express';
import type { mongo } from 'mongoose';
import type { Logger, Resource } from '@marketqr/service-kit';
import type { LedgerMetrics } from '../metrics';
import type { Models, Posting } from '../store/models';
import { latestPosting } from '../ledger/ledger';
import { vendorLine } from '../statements/statements.http';

/**
 * Live payment announcements for vendors over Server-Sent Events, one stream per connection, any number per stall.
 *
 * The stream reads the stall account's chain, whose seq is gapless and only ever grows (see ledger.ts), so the
 * posting seq is the resume token: a client that saw seq n gets exactly the payments with seq > n, in order, once,
 * whichever replica posted them and whichever it reconnects to.
 *
 * An open stream costs nothing while idle: postings reach streams from one source per process, never from a database
 * read per stream.
 *   - What this process appends is handed over as it is written (`notify`): no read at all.
 *   - What other replicas append is found by one query per `pollMs` for the whole process (the payment postings of
 *     the last few seconds), and handed to the streams of those accounts. That query cannot use an index on FerretDB
 *     (it scans every posting), so it runs only while another replica is writing: each process keeps a heartbeat in
 *     `ledger_writers` (one tiny document each), and a process that finds no other live heartbeat has nothing to look
 *     for. A replica that starts is seen within a poll; the look-back window covers what it wrote before that.
 * A stream reads the database itself only to resume (one read from its token when it opens) and to fill a gap (a
 * posting that did not come through either source, such as a payout or a correction between two payments).
 */

/** How far back the poll looks: replicas' clock skew plus the time from a posting's timestamp to its insert. */
const TAIL_WINDOW_MS = 3_000;
/** A writer's heartbeat is renewed this often and counts as live for three times as long. */
const WRITER_BEAT_MS = 1_000;
/** A hole in a chain that a read cannot fill for this long is a bug elsewhere: logged, then stepped over. */
const GAP_PATIENCE_MS = 5_000;
const READ_BATCH = 200;
/** The furthest back a poll reaches after polls were held up (a slow database): bounds that one query. */
const MAX_CATCHUP_MS = 60_000;

/** A ledger process's heartbeat (`ledger_writers`). */
export interface WriterBeat {
  _id: string;
  at: Date;
}

export class PaymentStreams {
  private readonly byAccount = new Map<string, Set<StallStream>>();
  private readonly writerId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private lastBeat = 0;
  /** When the last successful poll started: the next one reaches back to it (less the window), whatever came between. */
  private polledAt: number | null = null;

  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
    private readonly metrics: LedgerMetrics,
    private readonly opts: { pollMs: number; heartbeatMs: number; writers: mongo.Collection<WriterBeat> },
  ) {}

  /** Renews this process's heartbeat (at most once per WRITER_BEAT_MS) and says whether another writer is live. */
  private async othersWriting(): Promise<boolean> {
    const now = Date.now();
    if (now - this.lastBeat >= WRITER_BEAT_MS) {
      // One document per process, written only by it: safe on FerretDB.
      await this.opts.writers.updateOne({ _id: this.writerId }, { $set: { at: new Date(now) } }, { upsert: true });
      this.lastBeat = now;
    }
    const live = await this.opts.writers.find({ at: { $gte: new Date(now - 3 * WRITER_BEAT_MS) } }).toArray();
    return live.some((w) => w._id !== this.writerId);
  }

  /** This process appended a posting: its account's open streams get it now, without a read. */
  notify(p: Posting): void {
    this.byAccount.get(p.account)?.forEach((s) => s.deliver(p));
  }

  /** How many streams are open on this process (tests, metrics). */
  openStreams(): number {
    let n = 0;
    this.byAccount.forEach((set) => (n += set.size));
    return n;
  }

  /** Starts streaming `account` to `res` from after `since` (null: from now on). */
  async open(req: Request, res: Response, account: string, since: number | null): Promise<void> {
    const head = await this.headSeq(account);
    // A token past the account's last seq was never sent by this ledger (a restored database, another deployment, a
    // hand-made header). Waiting for that seq would mute the stream until the account caught up with it: instead the
    // stream restarts from now, and says so, so the phone reloads its figures.
    const ahead = since !== null && since > head;
    const start = since === null || ahead ? head : since;
    res.status(200);
    res.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      // nginx and similar proxies buffer responses unless told not to.
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.write(`retry: 3000\n\n`);
    if (ahead) {
      const reset = { reason: 'resume_token_ahead', requested: since, head };
      res.write(`id: ${head}\nevent: reset\ndata: ${JSON.stringify(reset)}\n\n`);
    }
    res.write(`id: ${start}\nevent: ready\ndata: ${JSON.stringify({ account, since: start })}\n\n`);

    const stream = new StallStream(this.models, res, account, start, this.logger, () => this.metrics.streamReads.inc());
    let set = this.byAccount.get(account);
    if (!set) this.byAccount.set(account, (set = new Set()));
    set.add(stream);
    this.metrics.streams.inc();
    const heartbeat = setInterval(
      () => res.write(`: heartbeat ${new Date().toISOString()}\n\n`),
      this.opts.heartbeatMs,
    );
    heartbeat.unref();
    req.on('close', () => {
      clearInterval(heartbeat);
      stream.close();
      set.delete(stream);
      if (set.size === 0) this.byAccount.delete(account);
      this.metrics.streams.dec();
    });
    // Whatever was missed since the token goes out now: the one read a stream makes on its own.
    if (start < head) stream.fill();
  }

  private async headSeq(account: string): Promise<number> {
    return (await latestPosting(this.models.postings, account))?.seq ?? 0;
  }

  /** One query for the whole process: the payment postings of the last few seconds, to the streams that want them. */
  private async tick(): Promise<void> {
    // The heartbeat is kept even with no stream open: other replicas' streams need to know this one writes.
    const others = await this.othersWriting();
    this.metrics.streamTicks.inc();
    // With no stream open there is nothing to catch up on (a stream that opens reads from its token). While no other
    // writer looks live the last poll's time is kept: a writer whose heartbeat lapsed (a stalled process) may still
    // have appended, and the next poll reaches back over the lapse.
    if (this.byAccount.size === 0) this.polledAt = null;
    if (this.byAccount.size === 0 || !others) return;
    this.metrics.streamPolls.inc();
    // Postings carry their writer's clock: look back far enough to cover replicas' skew and slow writes. And back to
    // where the last poll looked: ticks do not overlap, so on a loaded machine (a scan taking seconds) two polls can be
    // further apart than the window, and a payment another replica posted between them would reach no stream here
    // until a later posting of its stall revealed the hole (never, for a stall's last payment of the day).
    const startedAt = Date.now();
    const from = Math.min(startedAt, this.polledAt ?? startedAt);
    const since = new Date(Math.max(from - TAIL_WINDOW_MS, startedAt - MAX_CATCHUP_MS));
    const recent = (await this.models.postings
      .find({ postedAt: { $gte: since }, kind: 'payment' }, { projection: { outboxWriteIds: 0 } })
      .limit(10_000)
      .toArray()) as Posting[];
    recent.sort((a, b) => a.seq - b.seq);
    for (const p of recent) this.byAccount.get(p.account)?.forEach((s) => s.deliver(p));
    this.polledAt = startedAt;
    // A stream still waiting on a hole (a posting no source handed over) fills it from the database.
    this.byAccount.forEach((set) => set.forEach((s) => s.retryGap()));
  }

  resource(): Resource {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> | undefined;
    return {
      name: 'payment-streams',
      start: async () => {
        // Announce this writer at once, so other replicas' streams start looking before it appends anything.
        await this.othersWriting().catch(() => false);
        timer = setInterval(() => {
          if (running) return;
          running = this.tick()
            .catch((e: Error) => this.logger.warn({ err: e.message }, 'live stream poll failed'))
            .finally(() => (running = undefined));
        }, this.opts.pollMs);
        timer.unref();
      },
      stop: async () => {
        if (timer) clearInterval(timer);
        await running;
        await this.opts.writers.deleteOne({ _id: this.writerId }).catch(() => undefined);
        // Phones reconnect (to another replica) with Last-Event-ID; nothing is lost by ending streams here.
        this.byAccount.forEach((set) => set.forEach((s) => s.end()));
        this.byAccount.clear();
      },
      check: async () => undefined,
    };
  }
}

/**
 * One open stream: writes the account's postings in seq order, once each. Postings handed over out of order wait in
 * `ahead` until the ones before them arrive, or a read fills the hole.
 */
class StallStream {
  private readonly ahead = new Map<number, Posting>();
  private filling = false;
  private fillAgain = false;
  private closed = false;
  private gapSince: number | null = null;

  constructor(
    private readonly models: Models,
    private readonly res: Response,
    private readonly account: string,
    public lastSeq: number,
    private readonly logger: Logger,
    private readonly counted: () => void,
  ) {}

  deliver(p: Posting): void {
    if (this.closed || p.seq <= this.lastSeq) return;
    if (p.seq > this.lastSeq + 1) {
      this.ahead.set(p.seq, p);
      this.gapSince ??= Date.now();
      return;
    }
    this.write(p);
    this.drainAhead();
  }

  /** Called on every tick: a hole that is still open after a poll is filled by a read. */
  retryGap(): void {
    if (this.gapSince !== null) this.fill();
  }

  /** Reads the account's postings after lastSeq (in batches) and writes them in order. */
  fill(): void {
    if (this.closed) return;
    if (this.filling) {
      this.fillAgain = true;
      return;
    }
    this.filling = true;
    this.read()
      .catch((e: Error) => this.logger.warn({ account: this.account, err: e.message }, 'live stream read failed'))
      .finally(() => {
        this.filling = false;
        if (this.fillAgain && !this.closed) {
          this.fillAgain = false;
          this.fill();
        }
      });
  }

  private async read(): Promise<void> {
    for (;;) {
      this.counted();
      const rows = (await this.models.postings
        .find({ account: this.account, seq: { $gt: this.lastSeq } }, { projection: { outboxWriteIds: 0 } })
        .sort({ seq: 1 })
        .limit(READ_BATCH)
        .toArray()) as Posting[];
      for (const p of rows) {
        if (this.closed) return;
        if (p.seq <= this.lastSeq) continue;
        if (p.seq !== this.lastSeq + 1) {
          // A seq is visible only after its predecessor, so a hole in a read is a read racing a write: the next tick
          // reads again. Past GAP_PATIENCE_MS it is a broken chain (ledger:verify reports it): step over it.
          this.gapSince ??= Date.now();
          if (Date.now() - this.gapSince < GAP_PATIENCE_MS) return;
          this.logger.error({ account: this.account, after: this.lastSeq, next: p.seq }, 'gap in an account chain');
        }
        this.write(p);
      }
      this.drainAhead();
      if (rows.length < READ_BATCH) return;
    }
  }

  private write(p: Posting): void {
    if (p.kind === 'payment') {
      this.res.write(`id: ${p.seq}\nevent: payment\ndata: ${JSON.stringify(vendorLine(p))}\n\n`);
    }
    this.lastSeq = p.seq;
    this.ahead.delete(p.seq);
    this.gapSince = null;
  }

  private drainAhead(): void {
    for (let next = this.ahead.get(this.lastSeq + 1); next; next = this.ahead.get(this.lastSeq + 1)) this.write(next);
    for (const seq of this.ahead.keys()) if (seq <= this.lastSeq) this.ahead.delete(seq);
    if (this.ahead.size > 0) this.gapSince ??= Date.now();
  }

  close(): void {
    this.closed = true;
    this.ahead.clear();
  }

  end(): void {
    this.close();
    this.res.end();
  }
}
