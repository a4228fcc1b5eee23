import type { Request, Response } from 'express';
import type { Logger, Resource } from '@marketqr/service-kit';
import type { LedgerMetrics } from '../metrics';
import type { Models, Posting } from '../store/models';
import { vendorLine } from '../statements/statements.http';

/**
 * Live payment announcements for vendors over Server-Sent Events, one stream per connection, any number per stall.
 *
 * The stream reads the stall account's chain, whose seq is gapless and only ever grows (see ledger.ts), so the
 * posting seq is the resume token: a client that saw seq n gets exactly the payments with seq > n, in order, once,
 * whichever replica posted them and whichever it reconnects to. Three things wake a stream:
 *   - this process appended to the stall's account (`notify`: pushed within milliseconds);
 *   - every `pollMs`, one query for the payment postings of the last few seconds (any replica's) finds the stall's;
 *   - every few seconds regardless, in case a writer's clock is off by more than that window.
 */

/** How far back the poll looks: replicas' clock skew plus the time from a posting's timestamp to its insert. */
const TAIL_WINDOW_MS = 3_000;

export class PaymentStreams {
  private readonly byAccount = new Map<string, Set<StallStream>>();
  private ticks = 0;

  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
    private readonly metrics: LedgerMetrics,
    private readonly opts: { pollMs: number; heartbeatMs: number },
  ) {}

  notify(p: Posting): void {
    if (p.kind !== 'payment') return;
    this.byAccount.get(p.account)?.forEach((s) => s.wake());
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

    const stream = new StallStream(this.models, res, account, start, this.logger);
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
    // Whatever was missed since `since` goes out now.
    stream.wake();
  }

  private async headSeq(account: string): Promise<number> {
    const [last] = await this.models.postings.find({ account }).sort({ seq: -1 }).limit(1).toArray();
    return (last?.seq as number | undefined) ?? 0;
  }

  private async tick(): Promise<void> {
    if (this.byAccount.size === 0) return;
    this.ticks++;
    const sweepAll = this.ticks % Math.max(1, Math.round(5_000 / this.opts.pollMs)) === 0;
    if (sweepAll) {
      this.byAccount.forEach((set) => set.forEach((s) => s.wake()));
      return;
    }
    // Postings carry their writer's clock: look back far enough to cover replicas' skew and slow writes.
    const since = new Date(Date.now() - TAIL_WINDOW_MS);
    const recent = await this.models.postings
      .find({ postedAt: { $gte: since }, kind: 'payment' }, { projection: { account: 1, seq: 1 } })
      .limit(10_000)
      .toArray();
    for (const p of recent) {
      this.byAccount.get(p.account)?.forEach((s) => {
        if (p.seq > s.lastSeq) s.wake();
      });
    }
  }

  resource(): Resource {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<unknown> | undefined;
    return {
      name: 'payment-streams',
      start: async () => {
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
        // Phones reconnect (to another replica) with Last-Event-ID; nothing is lost by ending streams here.
        this.byAccount.forEach((set) => set.forEach((s) => s.end()));
        this.byAccount.clear();
      },
      check: async () => undefined,
    };
  }
}

class StallStream {
  private pumping = false;
  private again = false;
  private closed = false;
  private gapSince: number | null = null;

  constructor(
    private readonly models: Models,
    private readonly res: Response,
    private readonly account: string,
    public lastSeq: number,
    private readonly logger: Logger,
  ) {}

  wake(): void {
    if (this.closed) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    this.pump()
      .catch((e: Error) => this.logger.warn({ account: this.account, err: e.message }, 'live stream read failed'))
      .finally(() => {
        this.pumping = false;
        if (this.again && !this.closed) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pump(): Promise<void> {
    for (;;) {
      this.again = false;
      const rows = (await this.models.postings
        .find({ account: this.account, seq: { $gt: this.lastSeq } })
        .sort({ seq: 1 })
        .limit(200)
        .toArray()) as Posting[];
      let sent = 0;
      for (const p of rows) {
        if (this.closed) return;
        if (p.seq !== this.lastSeq + 1) {
          // A seq is visible only after its predecessor, so a gap is a read racing a write: wait for it, briefly.
          this.gapSince ??= Date.now();
          if (Date.now() - this.gapSince < 5_000) break;
          this.logger.error({ account: this.account, after: this.lastSeq, next: p.seq }, 'gap in an account chain');
        }
        this.gapSince = null;
        if (p.kind === 'payment') {
          this.res.write(`id: ${p.seq}\nevent: payment\ndata: ${JSON.stringify(vendorLine(p))}\n\n`);
        }
        this.lastSeq = p.seq;
        sent++;
      }
      if (sent < 200 && !this.again) return;
    }
  }

  close(): void {
    this.closed = true;
  }

  end(): void {
    this.closed = true;
    this.res.end();
  }
}
