import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { followEventStream, openEventStream } from './sse';
import { waitFor } from './index';

/** A stand-in stream server: each request is answered by the next handler of the list (the last one repeats). */
async function serve(
  handlers: ((req: IncomingMessage, res: ServerResponse) => void)[],
): Promise<{ url: string; requests: IncomingMessage[]; close(): Promise<void> }> {
  const requests: IncomingMessage[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req);
    handlers[Math.min(requests.length, handlers.length) - 1]!(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Answers with an event stream written in these chunks, then ends it, cuts the connection or holds it open. */
function stream(chunks: string[], then: 'end' | 'cut' | 'hold') {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const chunk of chunks) res.write(chunk);
    if (then === 'end') res.end();
    if (then === 'cut') setTimeout(() => res.socket?.destroy(), 50);
  };
}

it('openEventStream parses frames as they come (JSON, text, several data lines, comments) until the server ends', async () => {
  const srv = await serve([
    // A frame may arrive in pieces.
    stream(
      [
        ': hello\n\nretry: 3000\n\nid: 1\nevent: ready\ndata: {"since"',
        ':0}\n\nid: 2\ndata: plain\n\n',
        'id:3\nevent:payment\ndata: {"a":\ndata: 1}\n\n',
      ],
      'end',
    ),
  ]);
  try {
    const s = await openEventStream(srv.url, { authorization: 'Bearer t' });
    await waitFor(() => s.ended(), { timeoutMs: 5_000 });
    expect([s.status, s.comments()]).toEqual([200, 1]);
    expect(s.events.map(({ id, event, data }) => ({ id, event, data }))).toEqual([
      { id: '1', event: 'ready', data: { since: 0 } },
      { id: '2', event: undefined, data: 'plain' },
      { id: '3', event: 'payment', data: { a: 1 } },
    ]);
    expect(srv.requests[0]!.headers).toMatchObject({ accept: 'text/event-stream', authorization: 'Bearer t' });
  } finally {
    await srv.close();
  }
});

describe('followEventStream', () => {
  it('reconnects with Last-Event-ID after an end, a cut and a refusal, and keeps every event with its connection', async () => {
    const srv = await serve([
      stream(['id: 1\nevent: ready\ndata: {}\n\nid: 2\nevent: payment\ndata: {"n":2}\n\n'], 'end'),
      stream(['id: 3\nevent: payment\ndata: {"n":3}\n\n'], 'cut'),
      (_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"busy"}'),
      // The same event again: kept twice, nothing is deduplicated.
      stream(['id: 3\nevent: payment\ndata: {"n":3}\n\n'], 'hold'),
    ]);
    const urls: (string | null)[] = [];
    const f = followEventStream(
      (last) => {
        urls.push(last);
        return `${srv.url}${last === null ? '?since=0' : ''}`;
      },
      { headers: { authorization: 'Bearer t' }, reconnectMs: 10, retryMs: 10 },
    );
    try {
      await waitFor(() => f.events.length >= 4, { timeoutMs: 10_000, what: 'four events' });
      expect(f.events.map((e) => [e.id, e.event, e.data, e.connection])).toEqual([
        ['1', 'ready', {}, 1],
        ['2', 'payment', { n: 2 }, 1],
        ['3', 'payment', { n: 3 }, 2],
        ['3', 'payment', { n: 3 }, 4],
      ]);
      expect({ connects: f.connects, ended: f.ended, cut: f.cut, lastEventId: f.lastEventId }).toEqual({
        connects: 4,
        ended: 1,
        cut: 1,
        lastEventId: '3',
      });
      expect(f.failures).toEqual(['status 503: {"error":"busy"}']);
      expect(urls).toEqual([null, '2', '3', '3']);
      expect(srv.requests.map((r) => [r.url, r.headers['last-event-id'], r.headers.authorization])).toEqual([
        ['/stream?since=0', undefined, 'Bearer t'],
        ['/stream', '2', 'Bearer t'],
        ['/stream', '3', 'Bearer t'],
        ['/stream', '3', 'Bearer t'],
      ]);
    } finally {
      await f.stop();
      await srv.close();
    }
    // Stopped: the open stream closed without counting as cut or ended, and nothing reconnects.
    expect({ connects: f.connects, ended: f.ended, cut: f.cut }).toEqual({ connects: 4, ended: 1, cut: 1 });
  });

  it('backs off after refused connections, doubling up to maxRetryMs', async () => {
    const srv = await serve([(_req, res) => res.writeHead(502).end('down')]);
    await srv.close();
    const started = Date.now();
    const f = followEventStream(srv.url, { retryMs: 20, maxRetryMs: 40 });
    try {
      await waitFor(() => f.failures.length >= 4, { timeoutMs: 5_000, intervalMs: 5 });
      // Waits of 20, 40 and 40 ms between the four attempts.
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      expect(f.failures[0]).toMatch(/fetch failed/);
      expect(f.ended + f.cut).toBe(0);
    } finally {
      await f.stop();
    }
  });
});
