/**
 * Server-Sent Events clients for tests (Node's fetch; no EventSource in Node 20), one frame parser for both:
 *
 * - `openEventStream`: one connection, as it is: opens `url`, parses each frame into `{id, event, data}` as it arrives
 *   and keeps them in `events`. payment-ledger's tests of the live payment stream use it.
 * - `followEventStream`: a stream followed as a browser's EventSource follows it (WHATWG HTML §9.2): every frame's `id`
 *   becomes the last event id; when the stream ends or is cut it reconnects after `reconnectMs` with `Last-Event-ID`;
 *   a refused or failed request is retried with backoff, as apps/web/src/client/feed.ts does when EventSource gives
 *   up. The fault suite keeps every vendor's stream open through a fault with it and checks it caught up. Nothing is
 *   deduplicated: an event sent twice (across a reconnect, or by two replicas) is kept twice, for a test to assert on.
 */
export interface SseEvent {
  id?: string;
  event?: string;
  /** The frame's data, parsed as JSON (the project's streams send JSON), or the text itself when it is not JSON. */
  // Tests walk event payloads freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  /** When the frame arrived (Date.now()). */
  at: number;
  /** `followEventStream`: which connection (1-based) carried it. */
  connection?: number;
}

export interface EventStream {
  status: number;
  events: SseEvent[];
  /** Comment lines (`: heartbeat …`) seen so far. */
  comments(): number;
  /** True once the server ended the response or the connection broke (not after close()). */
  ended(): boolean;
  close(): void;
}

/** One frame's fields; `data` lines joined with '\n' as EventSource does, undefined when there was none. */
interface Frame {
  id?: string;
  event?: string;
  data?: string;
  comments: number;
}

function parseFrame(block: string): Frame {
  const frame: Frame = { comments: 0 };
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) {
      frame.comments++;
      continue;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') frame.id = value;
    else if (field === 'event') frame.event = value;
    else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
  }
  return frame;
}

/** The event a frame dispatches, or null when it has no data (a `retry:` line, a heartbeat). */
function eventOf(frame: Frame, connection?: number): SseEvent | null {
  if (frame.data === undefined) return null;
  let data: unknown = frame.data;
  try {
    data = JSON.parse(frame.data);
  } catch {}
  return {
    ...(frame.id !== undefined ? { id: frame.id } : {}),
    ...(frame.event !== undefined ? { event: frame.event } : {}),
    data,
    at: Date.now(),
    ...(connection !== undefined ? { connection } : {}),
  };
}

/** Reads `body` to its end, handing over each frame as soon as its blank line arrives. */
async function readFrames(body: ReadableStream<Uint8Array>, onFrame: (frame: Frame) => void): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
      onFrame(parseFrame(buffer.slice(0, cut)));
      buffer = buffer.slice(cut + 2);
    }
  }
}

export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const events: SseEvent[] = [];
  let comments = 0;
  let ended = !res.ok || !res.body;
  if (res.ok && res.body) {
    void readFrames(res.body, (frame) => {
      comments += frame.comments;
      const e = eventOf(frame);
      if (e) events.push(e);
    })
      .catch(() => undefined)
      .finally(() => {
        if (!ac.signal.aborted) ended = true;
      });
  } else {
    await res.body?.cancel().catch(() => undefined);
  }
  return {
    status: res.status,
    events,
    comments: () => comments,
    ended: () => ended,
    close: () => ac.abort(),
  };
}

export interface FollowOptions {
  /** Sent with every request (an `authorization`); `accept` and `last-event-id` are added. */
  headers?: Record<string, string>;
  /** After a stream that opened ended or was cut: the wait before reconnecting (the server's `retry`, shortened). */
  reconnectMs?: number;
  /** After a request that opened no stream: the first wait, doubled each time up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

export interface FollowedStream {
  /** Every event of every connection, in arrival order, each with its `connection`. */
  readonly events: SseEvent[];
  /** The last `id` any frame carried, sent as `Last-Event-ID` on the next connection. */
  readonly lastEventId: string | null;
  /** Connections tried (the first included), streams the server ended, streams cut (an error mid-stream). */
  readonly connects: number;
  readonly ended: number;
  readonly cut: number;
  /** Requests that opened no stream: the status and the start of the body, or the error. */
  readonly failures: string[];
  /** Stops reconnecting, closes the connection in hand and resolves once the loop is over. */
  stop(): Promise<void>;
}

/**
 * Follows an event stream until stopped (see the top of this file). `url` is the stream, or a function of the last
 * event id for a first connection that differs from the others (`?since=0` until an id was seen). A response other
 * than a 200 with `text/event-stream` counts as a failure.
 */
export function followEventStream(
  url: string | ((lastEventId: string | null) => string),
  opts: FollowOptions = {},
): FollowedStream {
  const reconnectMs = opts.reconnectMs ?? 300;
  const retryMs = opts.retryMs ?? 250;
  const maxRetryMs = opts.maxRetryMs ?? 5_000;
  let stopped = false;
  let controller: AbortController | undefined;
  const s = {
    events: [] as SseEvent[],
    lastEventId: null as string | null,
    connects: 0,
    ended: 0,
    cut: 0,
    failures: [] as string[],
  };

  const loop = async () => {
    let backoff = retryMs;
    while (!stopped) {
      controller = new AbortController();
      const connection = ++s.connects;
      let opened = false;
      try {
        const res = await fetch(typeof url === 'string' ? url : url(s.lastEventId), {
          headers: {
            accept: 'text/event-stream',
            ...opts.headers,
            ...(s.lastEventId !== null ? { 'last-event-id': s.lastEventId } : {}),
          },
          signal: controller.signal,
        });
        if (res.status !== 200 || !String(res.headers.get('content-type')).startsWith('text/event-stream')) {
          s.failures.push(`status ${res.status}: ${(await res.text()).slice(0, 200)}`);
        } else {
          opened = true;
          backoff = retryMs;
          await readFrames(res.body!, (frame) => {
            if (frame.id !== undefined) s.lastEventId = frame.id;
            const e = eventOf(frame, connection);
            if (e) s.events.push(e);
          });
          if (!stopped) s.ended++;
        }
      } catch (e) {
        if (stopped) break;
        if (opened) s.cut++;
        else s.failures.push((e as Error).message);
      }
      if (stopped) break;
      await new Promise((r) => setTimeout(r, opened ? reconnectMs : backoff));
      if (!opened) backoff = Math.min(maxRetryMs, backoff * 2);
    }
  };
  const done = loop();

  return Object.assign(s, {
    async stop() {
      stopped = true;
      controller?.abort();
      await done;
    },
  });
}
