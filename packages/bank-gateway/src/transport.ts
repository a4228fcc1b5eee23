import type { z } from 'zod';
import { bankErrorBody } from './schemas';
import { parseRetryAfter } from './retry';

/**
 * How one attempt failed, judged by what we can know about whether the bank acted on it. This, not the HTTP status
 * alone, decides retries: see `policy.ts`.
 */
export type FailureKind =
  /** Connection refused, DNS, TLS: the request never left this process. */
  | 'not_sent'
  /** The connection broke after the request may have been written: the bank may have acted. */
  | 'connection_lost'
  /** Our deadline passed; the bank may have acted. */
  | 'timeout'
  /** 503 or 429: the bank says it did not process the request. */
  | 'bank_unavailable'
  /** Another 5xx: the bank failed somewhere, maybe after acting. */
  | 'bank_error'
  /** 504 or `OUTCOME_UNKNOWN`: the bank itself does not know yet; check the status. */
  | 'bank_timeout'
  /** A 4xx with the bank's code: a definitive no. */
  | 'rejected'
  /** An answer we cannot read. */
  | 'bad_response';

export class AttemptFailure extends Error {
  constructor(
    public readonly kind: FailureKind,
    message: string,
    public readonly info: {
      httpStatus?: number;
      bankCode?: string;
      bankMessage?: string;
      bankDetails?: unknown;
      retryAfterMs?: number;
      problems?: string[];
      cause?: unknown;
    } = {},
  ) {
    super(message);
    this.name = 'AttemptFailure';
  }
}

export interface AttemptRequest<T> {
  method: 'GET' | 'POST';
  /** Path and query below the base URL. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  schema: z.ZodType<T>;
  /** Aborted by the breaker when the attempt times out, which also releases the socket. */
  controller: AbortController;
}

export interface AttemptAnswer<T> {
  status: number;
  data: T;
  headers: Headers;
}

// Codes that mean the TCP (or TLS) connection was never established, so no byte of the request reached the bank.
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export function classifyNetworkError(err: unknown): FailureKind {
  const e = err as { name?: string; cause?: { code?: string; errors?: { code?: string }[] } };
  if (e?.name === 'AbortError' || e?.name === 'TimeoutError') return 'timeout';
  const code = e?.cause?.code ?? e?.cause?.errors?.[0]?.code;
  return code && NOT_SENT_CODES.has(code) ? 'not_sent' : 'connection_lost';
}

/** One HTTP exchange with the bank, classified. Runs inside the operation's breaker. */
export async function attempt<T>(
  baseUrl: string,
  req: AttemptRequest<T>,
  fetchImpl: typeof fetch = fetch,
): Promise<AttemptAnswer<T>> {
  let res: Response;
  let text: string;
  try {
    res = await fetchImpl(`${baseUrl}${req.path}`, {
      method: req.method,
      headers: {
        accept: 'application/json',
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...req.headers,
      },
      body: req.body !== undefined ? JSON.stringify(req.body) : undefined,
      signal: req.controller.signal,
      // A redirected POST would re-send a payout to wherever the bank points: never follow.
      redirect: 'manual',
    });
    text = await res.text();
  } catch (err) {
    const kind = classifyNetworkError(err);
    throw new AttemptFailure(kind, `${req.method} ${req.path}: ${describe(err)}`, { cause: err });
  }

  if (res.status >= 200 && res.status < 300) {
    const json = parseJson(text);
    const parsed = json === undefined ? undefined : req.schema.safeParse(json);
    if (!parsed?.success) {
      const problems = parsed
        ? parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        : ['body is not JSON'];
      throw new AttemptFailure('bad_response', `${req.method} ${req.path}: unreadable answer`, {
        httpStatus: res.status,
        problems,
      });
    }
    return { status: res.status, data: parsed.data, headers: res.headers };
  }

  const errorBody = bankErrorBody.safeParse(parseJson(text));
  const bankCode = errorBody.success ? errorBody.data.error.code : undefined;
  const info = {
    httpStatus: res.status,
    bankCode,
    bankMessage: errorBody.success ? errorBody.data.error.message : undefined,
    bankDetails: errorBody.success ? errorBody.data.error.details : undefined,
    retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
  };
  const what = `${req.method} ${req.path}: bank answered ${res.status}${bankCode ? ` ${bankCode}` : ''}`;
  if (bankCode === 'OUTCOME_UNKNOWN' || res.status === 504) throw new AttemptFailure('bank_timeout', what, info);
  if (res.status === 503 || res.status === 429) throw new AttemptFailure('bank_unavailable', what, info);
  if (res.status >= 500) throw new AttemptFailure('bank_error', what, info);
  if (res.status >= 400) {
    throw new AttemptFailure('rejected', what, { ...info, bankCode: bankCode ?? `HTTP_${res.status}` });
  }
  throw new AttemptFailure('bad_response', `${what} (unexpected status)`, info);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string; code?: string } };
  const cause = e?.cause ? ` (${e.cause.code ?? e.cause.message ?? 'cause unknown'})` : '';
  return `${e?.message ?? String(err)}${cause}`;
}
