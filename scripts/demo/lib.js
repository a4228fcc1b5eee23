// Shared by the demo scripts: where the services are, JSON over HTTP, and logging in.
'use strict';
const { readFileSync } = require('node:fs');
const { resolve } = require('node:path');

const REPO = resolve(__dirname, '../..');
const STATE = process.env.MARKETQR_STATE || resolve(REPO, '.run');
const port = (name, fallback) => process.env[`${name}_PORT`] || fallback;

const URLS = {
  onboarding: process.env.MERCHANT_ONBOARDING_URL || `http://127.0.0.1:${port('MERCHANT_ONBOARDING', 4101)}`,
  qr: process.env.QR_GENERATION_URL || `http://127.0.0.1:${port('QR_GENERATION', 4102)}`,
  ledger: process.env.PAYMENT_LEDGER_URL || `http://127.0.0.1:${port('PAYMENT_LEDGER', 4103)}`,
  settlement: process.env.SETTLEMENT_URL || `http://127.0.0.1:${port('SETTLEMENT', 4104)}`,
  insights: process.env.MARKET_INSIGHTS_URL || `http://127.0.0.1:${port('MARKET_INSIGHTS', 4105)}`,
  bank: process.env.BANK_SIMULATOR_URL || `http://127.0.0.1:${port('BANK_SIMULATOR', 4199)}`,
  web: process.env.WEB_URL || `http://127.0.0.1:${port('WEB', 4100)}`,
};

class HttpError extends Error {
  constructor(status, body, what) {
    super(`${what}: HTTP ${status} ${JSON.stringify(body).slice(0, 300)}`);
    this.status = status;
    this.body = body;
    this.code = body && body.error && body.error.code;
  }
}

async function call(method, url, body, token) {
  // A service that answers 503 (its database or broker is away for a moment: a busy machine) says when to come back,
  // and an answer that never came may come next time: like any client, try again, a few times. Every call the seed
  // makes is safe to repeat (it keeps what exists: a repeated registration is MERCHANT.PHONE_TAKEN, and so on).
  for (let attempt = 1; ; attempt++) {
    try {
      return await callOnce(method, url, body, token);
    } catch (e) {
      const unavailable = e instanceof HttpError && e.status === 503;
      const noAnswer = e && (e.name === 'TimeoutError' || e.name === 'AbortError' || e.message === 'fetch failed');
      if (!(unavailable || noAnswer) || attempt >= 4) throw e;
      const wait = unavailable && Number(e.retryAfter) > 0 ? Number(e.retryAfter) * 1000 : 1000 * attempt;
      await new Promise((r) => setTimeout(r, Math.min(wait, 10_000)));
    }
  }
}

async function callOnce(method, url, body, token) {
  const res = await fetch(url, {
    method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    // Generous: the demo shares a machine with Kafka, the database and six processes, and CI may be busy too.
    signal: AbortSignal.timeout(90_000),
  });
  const text = await res.text();
  let data = text;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {}
  if (!res.ok)
    throw Object.assign(new HttpError(res.status, data, `${method} ${url}`), {
      retryAfter: res.headers.get('retry-after'),
    });
  return data;
}

/** A secret from a `*_FILE` variable or `.run/secrets/<name>`, as stack.sh generates them. */
function secret(envName, file) {
  if (process.env[envName]) return process.env[envName];
  const path = process.env[`${envName}_FILE`] || resolve(STATE, 'secrets', file);
  return readFileSync(path, 'utf8').trim();
}

async function login(username, password) {
  return (await call('POST', `${URLS.onboarding}/auth/login`, { username, password })).token;
}

const log = (...a) => console.log('[demo]', ...a);

module.exports = { STATE, URLS, HttpError, call, secret, login, log };
