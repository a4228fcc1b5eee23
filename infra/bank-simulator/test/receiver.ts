/**
 * A small webhook receiver for the tests, on loopback, and the signature checks written out independently of the
 * simulator's signer (a second implementation of the same documented algorithms, as the payment-ledger would have).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  // Assertions reach into arbitrary bodies; the assertions do the checking.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  at: number;
}

export interface Receiver {
  url: string;
  port: number;
  /** Every request answered 2xx, in arrival order. */
  accepted: Received[];
  /** Every request, acknowledged or not. */
  hits: number;
  /** The next N requests get a 500. */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** Answers like the payment-ledger: 200 {ok: true, duplicate} once it has "stored" the notification. */
export async function startReceiver(opts: { port?: number; failFirst?: number } = {}): Promise<Receiver> {
  let failing = opts.failFirst ?? 0;
  const seen = new Set<string>();
  const state = { accepted: [] as Received[], hits: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      state.hits += 1;
      if (failing > 0) {
        failing -= 1;
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"database unavailable"}');
        return;
      }
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw);
      const key = raw;
      const duplicate = seen.has(key);
      seen.add(key);
      state.accepted.push({ headers: req.headers, raw, body, at: Date.now() });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, duplicate }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/webhooks/bank`,
    port,
    get accepted() {
      return state.accepted;
    },
    get hits() {
      return state.hits;
    },
    failNext: (n) => {
      failing = n;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const header = (r: Received, name: string): string => {
  const v = r.headers[name];
  if (typeof v !== 'string') throw new Error(`missing header ${name}`);
  return v;
};

function equalHex(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function freshSeconds(ts: string): boolean {
  return /^\d+$/.test(ts) && Math.abs(Date.now() / 1000 - Number(ts)) <= 300;
}

/** bank-sim and SePay: `sha256=` + hex HMAC-SHA256(secret, timestamp + "." + raw body), timestamp within 5 minutes. */
export function verifyTimestamped(r: Received, secret: string, prefix: 'x-marketqr' | 'x-sepay'): boolean {
  const ts = header(r, `${prefix}-timestamp`);
  const expected = `sha256=${createHmac('sha256', secret).update(`${ts}.${r.raw}`, 'utf8').digest('hex')}`;
  return freshSeconds(ts) && equalHex(header(r, `${prefix}-signature`), expected);
}

/** Recursively key-sorted copy, written here on purpose rather than imported from the simulator. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** Casso: `t=<ms>,v1=<hex HMAC-SHA512(secret, t + "." + JSON of the body with keys sorted recursively)>`. */
export function verifyCasso(r: Received, secret: string): boolean {
  const parts = Object.fromEntries(
    header(r, 'x-casso-signature')
      .split(',')
      .map((p) => p.split('=') as [string, string]),
  );
  const t = parts.t ?? '';
  const v1 = parts.v1 ?? '';
  const expected = createHmac('sha512', secret)
    .update(`${t}.${JSON.stringify(canonical(JSON.parse(r.raw)))}`, 'utf8')
    .digest('hex');
  return /^\d{13}$/.test(t) && Math.abs(Date.now() - Number(t)) <= 300_000 && equalHex(v1, expected);
}
