/**
 * A vendor's live payment feed as a browser's EventSource follows it (WHATWG HTML §9.2), for the fault suite: one
 * stream at a time; every event's `id` becomes the last event id; when the stream ends or is cut, it reconnects after
 * the server's `retry` (shortened here) with `Last-Event-ID`; a refused or failed request is retried with backoff, as
 * apps/web/src/client/feed.ts does when EventSource gives up.
 *
 * Nothing is deduplicated: every `payment` event is kept, so a payment sent twice (across a reconnect, or by two
 * replicas) is counted twice and a scenario can assert on it.
 */
export interface FeedEvent {
  id: string;
  entryId: string;
  amount: number;
  paymentId?: string;
  /** Which connection (1-based) carried it. */
  connection: number;
}

export class SseFeed {
  readonly payments: FeedEvent[] = [];
  /** Connections opened (the first included), streams the server ended, streams cut (an error mid-stream). */
  connects = 0;
  ended = 0;
  cut = 0;
  /** Requests that did not open a stream (status, or the error), and `reset` events (a token the ledger refused). */
  readonly failures: string[] = [];
  resets = 0;
  lastEventId: string | null = null;
  /** The first `ready` event's seq: the stream's starting point. */
  readySeq: number | null = null;
  private stopped = false;
  private controller: AbortController | undefined;
  private done: Promise<void> | undefined;

  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly opts: { reconnectMs?: number } = {},
  ) {}

  start(): this {
    this.done = this.loop();
    return this;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller?.abort();
    await this.done;
  }

  private async loop(): Promise<void> {
    let backoff = 250;
    while (!this.stopped) {
      this.controller = new AbortController();
      this.connects++;
      const connection = this.connects;
      let opened = false;
      try {
        const res = await fetch(this.url, {
          headers: {
            accept: 'text/event-stream',
            authorization: `Bearer ${this.token}`,
            ...(this.lastEventId !== null ? { 'last-event-id': this.lastEventId } : {}),
          },
          signal: this.controller.signal,
        });
        if (res.status !== 200 || !String(res.headers.get('content-type')).startsWith('text/event-stream')) {
          this.failures.push(`status ${res.status}: ${(await res.text()).slice(0, 200)}`);
        } else {
          opened = true;
          backoff = 250;
          await this.read(res.body!, connection);
          if (!this.stopped) this.ended++;
        }
      } catch (e) {
        if (this.stopped) break;
        if (opened) this.cut++;
        else this.failures.push((e as Error).message);
      }
      if (this.stopped) break;
      await new Promise((r) => setTimeout(r, opened ? (this.opts.reconnectMs ?? 300) : backoff));
      if (!opened) backoff = Math.min(5_000, backoff * 2);
    }
  }

  private async read(body: ReadableStream<Uint8Array>, connection: number): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        this.dispatch(buffer.slice(0, end), connection);
        buffer = buffer.slice(end + 2);
      }
    }
  }

  private dispatch(block: string, connection: number): void {
    let id: string | undefined;
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data += (data ? '\n' : '') + value;
    }
    if (id !== undefined) this.lastEventId = id;
    if (event === 'ready' && this.readySeq === null && id !== undefined) this.readySeq = Number(id);
    if (event === 'reset') this.resets++;
    if (event !== 'payment') return;
    const p = JSON.parse(data) as { entryId: string; amount: number; payment?: { paymentId?: string } };
    this.payments.push({
      id: id ?? '',
      entryId: p.entryId,
      amount: p.amount,
      paymentId: p.payment?.paymentId,
      connection,
    });
  }
}
