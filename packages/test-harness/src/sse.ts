/**
 * A Server-Sent Events client for tests (Node's fetch; no EventSource in Node 20): opens `url`, parses each frame into
 * `{id, event, data}` as it arrives and keeps them in `events`. Used by payment-ledger's tests of the live payment
 * stream and by the fault suite, which keeps every vendor's stream open through a fault and checks it caught up.
 */
export interface SseEvent {
  id?: string;
  event?: string;
  // Tests walk event payloads freely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  /** When the frame arrived (Date.now()). */
  at: number;
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

export async function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  const ac = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: ac.signal });
  const events: SseEvent[] = [];
  let comments = 0;
  let ended = !res.ok || !res.body;
  if (res.ok && res.body) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          buffer += decoder.decode(value, { stream: true });
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const frame = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            const e: Partial<SseEvent> = {};
            for (const line of frame.split('\n')) {
              if (line.startsWith(':')) comments++;
              else if (line.startsWith('id: ')) e.id = line.slice(4);
              else if (line.startsWith('event: ')) e.event = line.slice(7);
              else if (line.startsWith('data: ')) e.data = JSON.parse(line.slice(6));
            }
            if (e.data !== undefined) events.push({ ...e, data: e.data, at: Date.now() });
          }
        }
      } catch {
      } finally {
        if (!ac.signal.aborted) ended = true;
      }
    })();
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
