// Types and the zod-free endpoint table only: the route specs (and zod) stay out of the browser bundle. The answers
// are typed from the specs but not parsed here; the service's tests check its answers against the same schemas.
import {
  fillPath,
  type Endpoint,
  type PartInput,
  type ResponseOf,
  type RouteSpec,
} from '@marketqr/contracts/dist/http/route';
import { qrGenerationEndpoints } from '@marketqr/contracts/dist/http/qr-generation.endpoints';

import { insightsEndpoints } from '@marketqr/contracts/dist/http/market-insights.endpoints';
import type { MarketStatsTable } from '@marketqr/contracts/dist/http/market-insights';
import { onboardingEndpoints } from '@marketqr/contracts/dist/http/merchant-onboarding.endpoints';
import { settlementEndpoints } from '@marketqr/contracts/dist/http/settlement.endpoints';
import { paymentLedgerEndpoints } from '@marketqr/contracts/dist/http/payment-ledger.endpoints';
import { clearSession, loadSession } from './session';

/**
 * Every call the pages make, through the web server's proxy (`/api/<service>/…`, one origin). The paths of routes
 * still being written in other services are kept here, in one place, so a rename is a one-line change.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const API = {
  onboarding: '/api/onboarding',
  qr: '/api/qr',
  ledger: '/api/ledger',
  settlement: '/api/settlement',
  insights: '/api/insights',
  bank: '/api/bank',
} as const;

export async function api<T = Json>(
  method: string,
  path: string,
  body?: unknown,
  opts: { auth?: boolean; raw?: BodyInit; contentType?: string } = {},
): Promise<T> {
  const session = loadSession();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.auth !== false && session) headers.authorization = `Bearer ${session.token}`;
  let payload: BodyInit | undefined;
  if (opts.raw !== undefined) {
    payload = opts.raw;
    if (opts.contentType) headers['content-type'] = opts.contentType;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload });
  } catch {
    throw new ApiError(0, 'WEB.OFFLINE', 'network unreachable');
  }
  const text = await res.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const err = (data as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
    if (res.status === 401 && session) clearSession();
    throw new ApiError(res.status, err?.code ?? `HTTP.${res.status}`, err?.message ?? res.statusText, err?.details);
  }
  return data as T;
}

export const get = <T = Json>(path: string) => api<T>('GET', path);
export const post = <T = Json>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});

/** A link that carries the token (PDF posters, CSV downloads): the proxy turns `access_token` into a bearer header. */
export function withToken(path: string): string {
  const session = loadSession();
  if (!session) return path;
  return `${path}${path.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(session.token)}`;
}

/** Items of a paged answer (`{items}`), or of the first array-valued field the service answers with. */
export function itemsOf(data: unknown, ...keys: string[]): Json[] {
  if (Array.isArray(data)) return data as Json[];
  if (data && typeof data === 'object') {
    const o = data as Json;
    for (const k of [...keys, 'items', 'data', 'results']) if (Array.isArray(o[k])) return o[k] as Json[];
    for (const v of Object.values(o)) if (Array.isArray(v)) return v as Json[];
  }
  return [];
}

/**
 * What the pages reach without a typed call. Every service's JSON routes are called through `onboardingApi`, `qrApi`,
 * `ledgerApi`, `settlementApi` and `insightsApi` (typed from their route specs); what is not a fetch (an EventSource,
 * a download, an image) is a URL built here or in `insightsLinks` from the same endpoint tables. The bank simulator's
 * shopper routes are the demo's, not the product's: plain URLs.
 */
export const paths = {
  /** Image and poster links come from the QR's own `links` (relative to the service), prefixed with the proxy. */
  qrLink: (link: string) => (link.startsWith('/') ? `${API.qr}${link}` : link),
  paymentsStream: (merchantId: string) =>
    urlOf(API.ledger, paymentLedgerEndpoints.paymentsStream, { params: { merchantId } }),
  /** The reconciliation as CSV, a download link. */
  reconciliationCsv: (marketId: string, day: string) =>
    urlOf(API.settlement, settlementEndpoints.reconciliation, { params: { marketId }, query: { day, format: 'csv' } }),
  shopperDecode: (payload: string) => `${API.bank}/shopper/decode?payload=${encodeURIComponent(payload)}`,
  shopperPay: `${API.bank}/shopper/pay`,
};

/** What a call of a route takes: its path parameters, query and JSON body, as the route's spec describes them. */
export type CallInput<S extends RouteSpec> = (undefined extends PartInput<S, 'params'>
  ? { params?: undefined }
  : { params: PartInput<S, 'params'> }) &
  (undefined extends PartInput<S, 'query'> ? { query?: undefined } : { query?: Partial<PartInput<S, 'query'>> }) &
  (undefined extends PartInput<S, 'body'> ? { body?: undefined } : { body: PartInput<S, 'body'> });

/** A service's routes as functions: each takes what its spec says it reads and resolves to what it says it answers. */
export type ServiceClient<E> = {
  readonly [K in keyof E]: E[K] extends Endpoint<infer S extends RouteSpec>
    ? (input: CallInput<S>) => Promise<ResponseOf<S>>
    : never;
};

/** The URL of a call: the path with its parameters filled in, behind the proxy's prefix, with the query's set values. */
interface RawInput {
  params?: Record<string, string>;
  query?: Record<string, unknown>;
  body?: unknown;
}

export function urlOf(base: string, endpoint: Endpoint, input: RawInput): string {
  const path = `${base}${fillPath(endpoint.path, input.params ?? {})}`;
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined && v !== null) query.set(k, String(v));
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}

export function clientFor<E extends Record<string, Endpoint>>(base: string, endpoints: E): ServiceClient<E> {
  const client: Record<string, (input: RawInput) => Promise<unknown>> = {};
  for (const [name, endpoint] of Object.entries(endpoints)) {
    client[name] = (input) =>
      // A POST without a body sends `{}`, as the pages always have.
      api(
        endpoint.method.toUpperCase(),
        urlOf(base, endpoint, input),
        input.body ?? (endpoint.method === 'get' ? undefined : {}),
      );
  }
  return client as unknown as ServiceClient<E>;
}

/** qr-generation, through the proxy. */
export const qrApi = clientFor(API.qr, qrGenerationEndpoints);

// ---- settlement and payment-ledger (routes as data) -------------------------------------------------------------

/** settlement, through the proxy. */
export const settlementApi = clientFor(API.settlement, settlementEndpoints);

/** payment-ledger, through the proxy. */
export const ledgerApi = clientFor(API.ledger, paymentLedgerEndpoints);

// merchant-onboarding and market-insights (a block of their own, to merge beside other services').

/** merchant-onboarding, through the proxy. */
export const onboardingApi = clientFor(API.onboarding, onboardingEndpoints);

/** market-insights, through the proxy. */
export const insightsApi = clientFor(API.insights, insightsEndpoints);

/** The URL of a call, typed like the call: for links the browser follows itself (a CSV to save, a PDF to print). */
function linkTo<S extends RouteSpec>(base: string, endpoint: Endpoint<S>, input: CallInput<S>): string {
  return urlOf(base, endpoint, input as RawInput);
}

/** market-insights' CSV and PDF answers, as links (each needs `withToken`). */
export const insightsLinks = {
  statsCsv: (marketId: string, table: MarketStatsTable, period: { from: string; to: string }) =>
    linkTo(API.insights, insightsEndpoints.marketStats, {
      params: { marketId, table },
      query: { ...period, format: 'csv' },
    }),
  alertsCsv: (marketId: string) =>
    linkTo(API.insights, insightsEndpoints.listMarketAlerts, { params: { marketId }, query: { format: 'csv' } }),
  /** The market's monthly report (`YYYY-MM`), a PDF to print or a CSV for Excel. */
  monthlyReport: (marketId: string, month: string, format: 'pdf' | 'csv') =>
    linkTo(API.insights, insightsEndpoints.monthlyReport, { params: { marketId }, query: { month, format } }),
};
