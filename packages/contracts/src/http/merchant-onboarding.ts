import { z } from 'zod';
import { CATEGORIES } from '../categories';
import { defineRoute } from './route';
import { pageOf, pageQueryShape } from './page';

/*
 * merchant-onboarding's HTTP API, one spec a route. The service validates requests and builds /openapi.json from
 * these; the web app calls them through merchant-onboarding.endpoints.ts (method and path, with these specs' types).
 *
 * The schemas check a request's shape. The rules with codes of their own (a Vietnamese mobile number, a known bank
 * BIN, an account number, a person's name, a stall code: MERCHANT.INVALID_PHONE …) stay in the service's domain
 * (src/domain/validation.ts), run after the shape is checked, so each keeps its code and the field it names.
 */

export const STALL_STATUSES = ['pending_verification', 'verified', 'active', 'suspended'] as const;
export const VERIFICATION_STATES = ['pending', 'verified', 'name_mismatch', 'rejected'] as const;

const timestamp = z.iso.datetime();
const accountRef = z.object({ bin: z.string(), accountNumber: z.string() });
const invalidBody = { code: 'MERCHANT.INVALID_REQUEST', message: 'request body is invalid' };
const invalidPage = { code: 'HTTP.INVALID_PAGE', message: 'page must be ≥ 1 and pageSize between 1 and 100' };

/** A stall as the API shows it: no outbox internals, instants as ISO strings. */
export const stallViewSchema = z.object({
  id: z.string(),
  marketId: z.string(),
  stallCode: z.string(),
  zone: z.string(),
  category: z.string().meta({ description: CATEGORIES.join(' | ') }),
  vendor: z.object({ fullName: z.string(), phone: z.string(), userId: z.string() }),
  payoutAccount: accountRef.extend({ holderName: z.string().nullish() }),
  verification: z.object({
    state: z.enum(VERIFICATION_STATES),
    attempts: z.int(),
    nextAttemptAt: timestamp.nullish(),
    lastError: z.string().nullish(),
    bankHolderName: z.string().nullish().meta({ description: 'the name the bank gave for the payout account' }),
    method: z.enum(['name_inquiry', 'manual']).nullish(),
    reference: z.string().nullish(),
    verifiedAt: timestamp.nullish(),
  }),
  virtualAccount: accountRef.nullish().meta({ description: 'the account shoppers pay into; null until verified' }),
  status: z.enum(STALL_STATUSES),
  suspension: z.object({ reasonCode: z.string(), reason: z.string(), by: z.string(), at: timestamp }).nullish(),
  version: z.int(),
  history: z.array(z.object({ at: timestamp, action: z.string(), by: z.string(), note: z.string().optional() })),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export type StallView = z.output<typeof stallViewSchema>;

export const marketViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  province: z.string(),
  district: z.string(),
  address: z.string(),
  zones: z.array(z.object({ code: z.string(), name: z.string() })),
  collectionAccount: accountRef,
  createdAt: timestamp,
  createdBy: z.string(),
});
export type MarketView = z.output<typeof marketViewSchema>;

export const bankSchema = z.object({
  bin: z.string().meta({ description: '6-digit acquirer BIN' }),
  code: z.string(),
  shortName: z.string(),
  name: z.string().meta({ description: 'full legal name, with Vietnamese diacritics' }),
});

const oneStall = z.object({ stall: stallViewSchema });
const oneMarket = z.object({ market: marketViewSchema });
const marketParams = z.object({ marketId: z.string() });
const stallParams = z.object({ stallId: z.string() });
const stallNotFound = { 404: ['MERCHANT.STALL_NOT_FOUND'] } as const;

export const onboardingRoutes = {
  login: defineRoute({
    operationId: 'login',
    method: 'post',
    path: '/auth/login',
    summary:
      'Log in with username (a vendor: the phone number) and password or PIN, and the deviceToken this device was given at its last login; returns a JWT (and a deviceToken the first time)',
    tags: ['auth'],
    auth: false,
    request: {
      body: z.object({
        username: z.string().min(1).max(100),
        password: z.string().min(1).max(200),
        // Failures of a device that logged in before are counted apart from strangers': a stranger locks out
        // only the stranger.
        deviceToken: z
          .string()
          .min(1)
          .max(200)
          .optional()
          .meta({ description: 'given by an earlier successful login on this device' }),
      }),
    },
    invalid: { body: { code: 'AUTH.INVALID_REQUEST', message: 'request body is invalid' } },
    responses: {
      200: {
        description: 'token, expiresAt, user, deviceToken (a new device only)',
        schema: z.object({
          deviceToken: z.string().optional().meta({ description: 'a device logging in for the first time' }),
          token: z.string(),
          expiresAt: timestamp,
          user: z.object({
            id: z.string(),
            username: z.string(),
            fullName: z.string(),
            role: z.enum(['vendor', 'market_manager', 'admin', 'service']),
            marketId: z.string().nullish(),
            merchantId: z.string().nullish(),
          }),
        }),
      },
    },
    errors: {
      400: ['AUTH.INVALID_REQUEST'],
      401: ['AUTH.INVALID_CREDENTIALS'],
      429: ['AUTH.LOCKED'],
    },
  }),
  jwks: defineRoute({
    operationId: 'jwks',
    method: 'get',
    path: '/.well-known/jwks.json',
    summary:
      'The public keys tokens are signed with (JWKS, RFC 7517), by kid: the current key, and while a key change-over ' +
      'lasts the previous ones (JWT_PREVIOUS_PUBLIC_KEYS). Public members only; what the other services need in ' +
      'JWT_PUBLIC_KEYS. Empty with HS256 (development only).',
    tags: ['auth'],
    auth: false,
    responses: {
      200: {
        description: 'JWKS document {"keys":[{kty,crv,x,kid,alg,use}…]}',
        contentType: 'application/jwk-set+json',
      },
    },
  }),
  listBanks: defineRoute({
    operationId: 'listBanks',
    method: 'get',
    path: '/banks',
    summary: 'Banks a vendor can be paid out to (BIN, short name, full Vietnamese name)',
    tags: ['banks'],
    auth: false,
    responses: { 200: { description: 'every bank', schema: z.object({ items: z.array(bankSchema) }) } },
  }),
  createMarket: defineRoute({
    operationId: 'createMarket',
    method: 'post',
    path: '/markets',
    summary: 'Create a market with its zones and collection account (admin)',
    tags: ['markets'],
    auth: true,
    request: {
      body: z.object({
        id: z
          .string()
          .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and dashes')
          .max(64)
          .meta({ description: 'a readable id: lower-case words joined by dashes ("cho-nenh")' }),
        name: z.string().trim().min(3).max(200),
        province: z.string().trim().min(2).max(100),
        district: z.string().trim().min(2).max(100),
        address: z.string().trim().min(3).max(300),
        zones: z
          .array(
            z.object({ code: z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,9}$/), name: z.string().trim().min(1).max(100) }),
          )
          .min(1)
          .max(100)
          .meta({ description: 'codes unique within the market' }),
        collectionAccount: accountRef,
      }),
    },
    invalid: { body: invalidBody },
    responses: { 201: { description: 'the market', schema: oneMarket } },
    errors: {
      400: [
        'MERCHANT.INVALID_REQUEST',
        'MERCHANT.DUPLICATE_ZONE',
        'MERCHANT.UNKNOWN_BIN',
        'MERCHANT.INVALID_ACCOUNT_NUMBER',
      ],
      409: ['MERCHANT.MARKET_EXISTS'],
    },
  }),
  listMarkets: defineRoute({
    operationId: 'listMarkets',
    method: 'get',
    path: '/markets',
    summary: 'List markets (admin: all; manager: their own)',
    tags: ['markets'],
    auth: true,
    request: { query: z.object(pageQueryShape) },
    invalid: { query: invalidPage },
    responses: { 200: { description: 'a page of markets', schema: pageOf(marketViewSchema) } },
    errors: { 400: ['HTTP.INVALID_PAGE'] },
  }),
  getMarket: defineRoute({
    operationId: 'getMarket',
    method: 'get',
    path: '/markets/:marketId',
    summary: 'One market (public: the self-registration form needs its name and zones)',
    tags: ['markets'],
    auth: false,
    request: { params: marketParams },
    responses: { 200: { description: 'the market', schema: oneMarket } },
    errors: { 404: ['MERCHANT.MARKET_NOT_FOUND'] },
  }),
  createManager: defineRoute({
    operationId: 'createManager',
    method: 'post',
    path: '/markets/:marketId/managers',
    summary: 'Create a market manager login (admin)',
    tags: ['markets'],
    auth: true,
    request: {
      params: marketParams,
      body: z.object({
        username: z.string().regex(/^[a-z0-9._-]{3,40}$/, '3-40 lower-case letters, digits, dots, dashes'),
        fullName: z.string(),
        password: z.string().min(10, 'at least 10 characters').max(200),
      }),
    },
    invalid: { body: invalidBody },
    responses: {
      201: {
        description: 'the manager’s login',
        schema: z.object({
          user: z.object({
            id: z.string(),
            username: z.string(),
            fullName: z.string(),
            role: z.literal('market_manager'),
            marketId: z.string(),
          }),
        }),
      },
    },
    errors: {
      400: ['MERCHANT.INVALID_REQUEST', 'MERCHANT.INVALID_NAME'],
      404: ['MERCHANT.MARKET_NOT_FOUND'],
      409: ['MERCHANT.USERNAME_TAKEN'],
    },
  }),
  registerStall: defineRoute({
    operationId: 'registerStall',
    method: 'post',
    path: '/markets/:marketId/stalls',
    summary:
      'Register a stall: a vendor for themself (public, no token), or a manager for a vendor (a token of this market)',
    tags: ['stalls'],
    // A token is optional: read when given (a manager registering for a vendor), never required.
    auth: false,
    request: {
      params: marketParams,
      body: z.object({
        stallCode: z.string().meta({ description: 'as painted on the stall: up to 12 letters, digits or dashes' }),
        zone: z.string().min(1).max(50).meta({ description: "one of the market's zone codes" }),
        category: z.enum(CATEGORIES),
        vendor: z.object({
          fullName: z.string(),
          phone: z.string().meta({ description: 'a Vietnamese mobile number, any usual spelling' }),
          pin: z
            .string()
            .regex(/^\d{6}$/, 'a 6-digit PIN')
            .meta({ description: "the vendor's login PIN" }),
        }),
        payoutAccount: accountRef,
        registeredAt: z.iso
          .datetime({ offset: true })
          .optional()
          .meta({ description: 'demo only (BACKDATED_ONBOARDING_DAYS): a manager or admin dates it back' }),
      }),
    },
    invalid: { body: invalidBody },
    responses: {
      201: {
        description: 'the stall, usually verified already (pending while the bank is unavailable)',
        schema: oneStall,
      },
    },
    errors: {
      400: [
        'MERCHANT.INVALID_REQUEST',
        'MERCHANT.INVALID_STALL_CODE',
        'MERCHANT.INVALID_NAME',
        'MERCHANT.INVALID_PHONE',
        'MERCHANT.UNKNOWN_BIN',
        'MERCHANT.INVALID_ACCOUNT_NUMBER',
        'MERCHANT.UNKNOWN_ZONE',
        'MERCHANT.BACKDATING_DISABLED',
      ],
      403: ['MERCHANT.FORBIDDEN_FIELD'],
      404: ['MERCHANT.MARKET_NOT_FOUND'],
      409: ['MERCHANT.PHONE_TAKEN', 'MERCHANT.DUPLICATE_STALL_CODE'],
    },
  }),
  listMarketStalls: defineRoute({
    operationId: 'listMarketStalls',
    method: 'get',
    path: '/markets/:marketId/stalls',
    summary: "The market's stalls by stall code",
    tags: ['stalls'],
    auth: true,
    request: {
      params: marketParams,
      // Page first: a bad page is reported before a bad filter.
      query: z.object({
        ...pageQueryShape,
        status: z.enum(STALL_STATUSES).optional(),
        verification: z.enum(VERIFICATION_STATES).optional(),
      }),
    },
    invalid: {
      query: {
        code: 'MERCHANT.INVALID_QUERY',
        message: 'unknown status or verification filter',
        fields: { page: invalidPage, pageSize: invalidPage },
      },
    },
    responses: { 200: { description: 'a page of stalls', schema: pageOf(stallViewSchema) } },
    errors: { 400: ['HTTP.INVALID_PAGE', 'MERCHANT.INVALID_QUERY'] },
  }),
  getStall: defineRoute({
    operationId: 'getStall',
    method: 'get',
    path: '/stalls/:stallId',
    summary: 'One stall (its vendor, its manager, an admin)',
    tags: ['stalls'],
    auth: true,
    request: { params: stallParams },
    responses: { 200: { description: 'the stall', schema: oneStall } },
    errors: stallNotFound,
  }),
  approveStall: defineRoute({
    operationId: 'approveStall',
    method: 'post',
    path: '/stalls/:stallId/approve',
    summary: 'Approve a verified stall: it becomes active',
    tags: ['stalls'],
    auth: true,
    request: { params: stallParams },
    responses: { 200: { description: 'the stall, active', schema: oneStall } },
    errors: {
      ...stallNotFound,
      409: [
        'MERCHANT.ALREADY_ACTIVE',
        'MERCHANT.SUSPENDED',
        'MERCHANT.NOT_VERIFIED',
        'MERCHANT.NO_VIRTUAL_ACCOUNT',
        'MERCHANT.CONCURRENT_UPDATE',
      ],
    },
  }),
  suspendStall: defineRoute({
    operationId: 'suspendStall',
    method: 'post',
    path: '/stalls/:stallId/suspend',
    summary: 'Suspend a stall with a reason',
    tags: ['stalls'],
    auth: true,
    request: {
      params: stallParams,
      body: z.object({
        reasonCode: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a snake_case reason code such as suspected_fake_qr'),
        reason: z.string().min(3).max(500),
      }),
    },
    invalid: { body: invalidBody },
    responses: { 200: { description: 'the stall, suspended', schema: oneStall } },
    errors: {
      400: ['MERCHANT.INVALID_REQUEST'],
      ...stallNotFound,
      409: ['MERCHANT.ALREADY_SUSPENDED', 'MERCHANT.CONCURRENT_UPDATE'],
    },
  }),
  reactivateStall: defineRoute({
    operationId: 'reactivateStall',
    method: 'post',
    path: '/stalls/:stallId/reactivate',
    summary: 'Reactivate a suspended stall',
    tags: ['stalls'],
    auth: true,
    request: { params: stallParams },
    responses: { 200: { description: 'the stall, active again', schema: oneStall } },
    errors: {
      ...stallNotFound,
      409: [
        'MERCHANT.NOT_SUSPENDED',
        'MERCHANT.NOT_VERIFIED',
        'MERCHANT.NO_VIRTUAL_ACCOUNT',
        'MERCHANT.CONCURRENT_UPDATE',
      ],
    },
  }),
  reviewVerification: defineRoute({
    operationId: 'reviewVerification',
    method: 'post',
    path: '/stalls/:stallId/verification/review',
    summary: 'Accept or reject a holder-name mismatch',
    tags: ['stalls'],
    auth: true,
    request: {
      params: stallParams,
      body: z.object({ decision: z.enum(['accept', 'reject']), note: z.string().min(3).max(500) }),
    },
    invalid: { body: invalidBody },
    responses: { 200: { description: 'the stall after the review', schema: oneStall } },
    errors: {
      400: ['MERCHANT.INVALID_REQUEST'],
      ...stallNotFound,
      409: ['MERCHANT.NOTHING_TO_REVIEW', 'MERCHANT.CONCURRENT_UPDATE'],
    },
  }),
  retryVerification: defineRoute({
    operationId: 'retryVerification',
    method: 'post',
    path: '/stalls/:stallId/verification/retry',
    summary: 'Retry a pending verification now',
    tags: ['stalls'],
    auth: true,
    request: { params: stallParams },
    responses: { 200: { description: 'the stall after the attempt', schema: oneStall } },
    errors: stallNotFound,
  }),
  changePayoutAccount: defineRoute({
    operationId: 'changePayoutAccount',
    method: 'put',
    path: '/stalls/:stallId/payout-account',
    summary: 'Change the payout account (verified again)',
    tags: ['stalls'],
    auth: true,
    request: { params: stallParams, body: accountRef },
    invalid: { body: invalidBody },
    responses: { 200: { description: 'the stall, its new account pending verification', schema: oneStall } },
    errors: {
      400: ['MERCHANT.INVALID_REQUEST', 'MERCHANT.UNKNOWN_BIN', 'MERCHANT.INVALID_ACCOUNT_NUMBER'],
      ...stallNotFound,
      409: ['MERCHANT.CONCURRENT_UPDATE'],
    },
  }),
};

export type OnboardingRoutes = typeof onboardingRoutes;
