import { z } from 'zod';
import { defineRoute } from './route';
import { pageOf, pageQueryShape } from './page';

/*
 * qr-generation's HTTP API, one spec a route. The service validates requests and builds /openapi.json from these;
 * the web app calls them through qr-generation.endpoints.ts (method and path, with these specs' types).
 */

/**
 * Answers of the public "is this QR genuine?" check. Stable: apps and market-insights switch on them.
 * Every verdict but GENUINE is "flagged" and recorded.
 */
export const VERDICTS = [
  /** A registered poster or dynamic QR, active, of an active stall. */
  'GENUINE',
  /** Registered, but revoked: a replaced poster, a suspended stall, a cancelled dynamic QR. */
  'REVOKED',
  /** A registered dynamic QR past its expiry. */
  'EXPIRED',
  /** Registered and active, but the stall is not active now (suspended, or its account was withdrawn). */
  'STALL_NOT_ACTIVE',
  /** Pays one of our stalls' virtual accounts, but is not a payload we issued (home-made or altered and re-CRC'd). */
  'UNREGISTERED_PAYLOAD',
  /** A well-formed VietQR whose BIN + account is none of our virtual accounts: the fake stuck over a real poster. */
  'UNKNOWN_ACCOUNT',
  /** The CRC does not match the content: the payload was edited after it was made. */
  'TAMPERED',
  /** A readable EMVCo payload of another scheme (VNPAY-QR, PromptPay …), not a NAPAS 247 transfer. */
  'NOT_VIETQR',
  /** Not a readable merchant-presented payload at all (a URL, text, a truncated code). */
  'MALFORMED',
] as const;
export type Verdict = (typeof VERDICTS)[number];

/** The largest dynamic QR amount: NAPAS 247 takes transfers under 500,000,000 đồng. */
export const DYNAMIC_AMOUNT_MAX = 499_999_999;
export const NOTE_MAX_CHARS = 140;

const timestamp = z.iso.datetime();
const nullableTimestamp = timestamp.nullable();

/** A QR as the API shows it: no storage internals, its effective status, links to its images. */
export const qrViewSchema = z.object({
  id: z.string(),
  kind: z.enum(['static', 'dynamic']),
  /** Effective: a dynamic QR past its expiry reads expired at once, before the sweeper stores it. */
  status: z.enum(['active', 'revoked', 'expired']),
  merchantId: z.string(),
  marketId: z.string(),
  stallCode: z.string(),
  bin: z.string(),
  bankShortName: z.string().nullable(),
  accountNumber: z.string(),
  orderCode: z.string().nullable(),
  posterSerial: z.string().nullable(),
  amount: z.int().nullable(),
  note: z.string().nullable(),
  payload: z.string().meta({ description: 'the VietQR payload: what the QR encodes, for the phone to draw' }),
  payloadHash: z.string(),
  issuedAt: timestamp,
  issuedBy: z.object({ userId: z.string(), role: z.string(), via: z.enum(['api', 'merchant_event']) }),
  ttlSeconds: z.int().nullable(),
  expiresAt: nullableTimestamp,
  revokedAt: nullableTimestamp,
  revokedReasonCode: z.string().nullable(),
  revokedReason: z.string().nullable(),
  expiredAt: nullableTimestamp,
  links: z.object({
    png: z.string(),
    svg: z.string(),
    posterPdf: z.string().optional(),
    posterPng: z.string().optional(),
  }),
});
export type QrView = z.output<typeof qrViewSchema>;

const oneQr = z.object({ qr: qrViewSchema });
const merchantParams = z.object({ merchantId: z.string() });
const qrParams = z.object({ qrId: z.string() });
const stallErrors = { 404: ['QR.STALL_NOT_FOUND'] } as const;

/** Image options. Every image route but image.svg reads all three, and refuses a bad one even where it is unused. */
const imageQuery = z.object({
  scale: z.coerce.number().int().min(1).max(32).default(8).meta({ description: 'QR PNG: pixels per module' }),
  size: z.enum(['A6', 'A5']).default('A6').meta({ description: 'posters: paper size' }),
  dpi: z.coerce.number().int().min(72).max(300).default(150).meta({ description: 'poster PNG: dots per inch' }),
});
const invalidImageQuery = { code: 'QR.INVALID_QUERY', message: 'scale is 1..32, size is A6 or A5, dpi is 72..300' };
const invalidPage = { code: 'HTTP.INVALID_PAGE', message: 'page must be ≥ 1 and pageSize between 1 and 100' };

const stallSummary = z.object({
  merchantId: z.string(),
  stallCode: z.string(),
  vendorName: z.string(),
  marketId: z.string(),
  marketName: z.string(),
  zone: z.string(),
  status: z.string().nullable(),
});

export const checkAnswerSchema = z.object({
  verdict: z.enum(VERDICTS),
  flagged: z.boolean(),
  message: z.string(),
  messageEn: z.string(),
  stall: stallSummary.nullable(),
  qr: z
    .object({
      id: z.string(),
      kind: z.string(),
      status: z.string(),
      posterSerial: z.string().nullable(),
      orderCode: z.string().nullable(),
      amount: z.int().nullable(),
      issuedAt: timestamp,
      expiresAt: nullableTimestamp,
      revokedAt: nullableTimestamp,
      revokedReasonCode: z.string().nullable(),
    })
    .nullable(),
  imitates: stallSummary.nullable().meta({ description: 'UNKNOWN_ACCOUNT: the stall whose poster this code copies' }),
  decoded: z.object({
    scheme: z.string().nullable(),
    crcValid: z.boolean(),
    bin: z.string().nullable(),
    bankShortName: z.string().nullable(),
    accountNumber: z.string().nullable(),
    pointOfInitiation: z.string().nullable(),
    amount: z.string().nullable(),
    purpose: z.string().nullable(),
    merchantName: z.string().nullable(),
    storeLabel: z.string().nullable(),
    terminalLabel: z.string().nullable(),
    errors: z.array(z.object({ code: z.string(), path: z.string() })),
  }),
  checkId: z.string().nullable().meta({ description: 'the stored record of a flagged answer, to report it' }),
});
export type CheckAnswer = z.output<typeof checkAnswerSchema>;

/** A flagged check as managers list it. Loose: stored bookkeeping fields may come along. */
const genuineCheckSchema = z.looseObject({
  id: z.string(),
  at: timestamp,
  verdict: z.enum(VERDICTS),
  input: z.enum(['payload', 'image']),
  payload: z.string(),
  payloadHash: z.string().nullable(),
  bin: z.string().nullable(),
  accountNumber: z.string().nullable(),
  merchantId: z.string().nullable(),
  marketId: z.string().nullable(),
  reportedMarketId: z.string().nullable(),
  stallCode: z.string().nullable(),
  qrId: z.string().nullable(),
  problems: z.array(z.string()),
  reportedAt: nullableTimestamp.optional(),
});

const bin = { type: 'string', format: 'binary' };

export const qrGenerationRoutes = {
  reissuePoster: defineRoute({
    operationId: 'reissuePoster',
    method: 'post',
    path: '/stalls/:merchantId/qr/static',
    summary: 'Issue a new poster (static QR) for an active stall; the previous poster is revoked (poster_replaced)',
    tags: ['static QR'],
    auth: true,
    request: { params: merchantParams },
    responses: {
      201: {
        description: 'the new poster and the ids of the posters it revoked',
        schema: z.object({ qr: qrViewSchema, revoked: z.array(z.string()) }),
      },
    },
    errors: { ...stallErrors, 409: ['QR.STALL_NOT_ACTIVE', 'QR.NO_VIRTUAL_ACCOUNT', 'QR.CONCURRENT_UPDATE'] },
  }),
  currentPoster: defineRoute({
    operationId: 'currentPoster',
    method: 'get',
    path: '/stalls/:merchantId/qr/static',
    summary: "The stall's current poster",
    tags: ['static QR'],
    auth: true,
    request: { params: merchantParams },
    responses: { 200: { description: 'the poster', schema: oneQr } },
    errors: { 404: ['QR.STALL_NOT_FOUND', 'QR.NOT_FOUND'] },
  }),
  issueDynamicQr: defineRoute({
    operationId: 'issueDynamicQr',
    method: 'post',
    path: '/stalls/:merchantId/qr/dynamic',
    summary: 'Issue a dynamic QR for an amount; ?image=svg also answers with the QR drawn as an SVG data URL',
    tags: ['dynamic QR'],
    auth: true,
    request: {
      params: merchantParams,
      query: z.object({ image: z.literal('svg').optional().meta({ description: 'also answer with an SVG data URL' }) }),
      // The shape; the rules that need the service's configuration or Unicode (the TTL bounds, a note's characters
      // counted after NFC and trimming) stay in the service's domain parser.
      body: z.strictObject({
        amount: z.int().min(1).max(DYNAMIC_AMOUNT_MAX).meta({ description: 'whole đồng' }),
        ttlSeconds: z
          .int()
          .meta({ description: 'from QR_MIN_TTL_SECONDS to QR_MAX_TTL_SECONDS; QR_DEFAULT_TTL_SECONDS when absent' })
          .nullish(),
        note: z
          .string()
          .meta({
            description: `text, 1 … ${NOTE_MAX_CHARS} characters once trimmed`,
            minLength: 1,
            maxLength: NOTE_MAX_CHARS,
          })
          .nullish(),
      }),
    },
    invalid: {
      query: { code: 'QR.INVALID_IMAGE_OPTION', message: 'image: the only inline image is svg' },
      body: {
        code: 'QR.INVALID_REQUEST',
        message: 'a JSON object {amount, note?, ttlSeconds?} is expected',
        fields: {
          amount: {
            code: 'QR.INVALID_AMOUNT',
            message: 'amount must be a whole number of đồng greater than 0',
            when: {
              too_big: {
                code: 'QR.AMOUNT_TOO_LARGE',
                message: 'amount must be under 500,000,000 đồng (the NAPAS 247 limit)',
                details: { max: DYNAMIC_AMOUNT_MAX },
              },
            },
          },
          ttlSeconds: { code: 'QR.TTL_OUT_OF_RANGE', message: 'ttlSeconds must be a whole number of seconds' },
          note: { code: 'QR.INVALID_NOTE', message: `note must be 1 to ${NOTE_MAX_CHARS} characters of text` },
        },
      },
    },
    responses: {
      201: {
        description: 'the QR: id, order code, payload (to draw the QR from), expiry, image links',
        schema: z.object({
          qr: qrViewSchema,
          image: z.object({ svgDataUrl: z.string() }).optional().meta({ description: 'with ?image=svg' }),
        }),
      },
    },
    errors: {
      400: [
        'QR.INVALID_AMOUNT',
        'QR.AMOUNT_TOO_LARGE',
        'QR.TTL_OUT_OF_RANGE',
        'QR.INVALID_NOTE',
        'QR.INVALID_REQUEST',
        'QR.INVALID_IMAGE_OPTION',
      ],
      ...stallErrors,
      409: ['QR.STALL_NOT_ACTIVE', 'QR.NO_VIRTUAL_ACCOUNT'],
    },
  }),
  cancelQr: defineRoute({
    operationId: 'cancelQr',
    method: 'post',
    path: '/qr/:qrId/cancel',
    summary: 'Cancel an open dynamic QR (revoked, qr.revoked)',
    tags: ['dynamic QR'],
    auth: true,
    request: { params: qrParams },
    responses: { 200: { description: 'the QR, revoked', schema: oneQr } },
    errors: { 404: ['QR.NOT_FOUND'], 409: ['QR.NOT_ACTIVE', 'QR.NOT_CANCELLABLE'] },
  }),
  getQr: defineRoute({
    operationId: 'getQr',
    method: 'get',
    path: '/qr/:qrId',
    summary: 'One QR (its stall’s vendor, its market’s managers, admins)',
    tags: ['QR'],
    auth: true,
    request: { params: qrParams },
    responses: { 200: { description: 'the QR', schema: oneQr } },
    errors: { 404: ['QR.NOT_FOUND'] },
  }),
  listStallQrs: defineRoute({
    operationId: 'listStallQrs',
    method: 'get',
    path: '/stalls/:merchantId/qr',
    summary: "The stall's QRs, newest first",
    tags: ['QR'],
    auth: true,
    request: {
      params: merchantParams,
      // Page first: a bad page is reported before a bad filter.
      query: z.object({
        ...pageQueryShape,
        kind: z.enum(['static', 'dynamic']).optional(),
        status: z.enum(['active', 'revoked', 'expired']).optional().meta({ description: 'stored status' }),
      }),
    },
    invalid: {
      query: {
        code: 'QR.INVALID_QUERY',
        message: 'kind is static|dynamic, status is active|revoked|expired',
        fields: { page: invalidPage, pageSize: invalidPage },
      },
    },
    responses: { 200: { description: 'a page of QRs', schema: pageOf(qrViewSchema) } },
    errors: { 400: ['HTTP.INVALID_PAGE', 'QR.INVALID_QUERY'], ...stallErrors },
  }),
  qrPng: defineRoute({
    operationId: 'qrPng',
    method: 'get',
    path: '/qr/:qrId/image.png',
    summary: 'PNG of an active QR (?scale=1..32 pixels per module, default 8)',
    tags: ['images'],
    auth: true,
    request: { params: qrParams, query: imageQuery },
    invalid: { query: invalidImageQuery },
    responses: { 200: { description: 'the QR', contentType: 'image/png' } },
    errors: { 400: ['QR.INVALID_QUERY'], 404: ['QR.NOT_FOUND'], 409: ['QR.NOT_ACTIVE'] },
  }),
  qrSvg: defineRoute({
    operationId: 'qrSvg',
    method: 'get',
    path: '/qr/:qrId/image.svg',
    summary: 'SVG of an active QR',
    tags: ['images'],
    auth: true,
    request: { params: qrParams },
    responses: { 200: { description: 'the QR', contentType: 'image/svg+xml' } },
    errors: { 404: ['QR.NOT_FOUND'], 409: ['QR.NOT_ACTIVE'] },
  }),
  posterPdf: defineRoute({
    operationId: 'posterPdf',
    method: 'get',
    path: '/qr/:qrId/poster.pdf',
    summary: 'Printable poster of an active static QR (?size=A6|A5), fonts embedded',
    tags: ['images'],
    auth: true,
    request: { params: qrParams, query: imageQuery },
    invalid: { query: invalidImageQuery },
    responses: { 200: { description: 'the poster', contentType: 'application/pdf' } },
    errors: { 400: ['QR.INVALID_QUERY'], 404: ['QR.NOT_FOUND'], 409: ['QR.NOT_ACTIVE', 'QR.NOT_STATIC'] },
  }),
  posterPng: defineRoute({
    operationId: 'posterPng',
    method: 'get',
    path: '/qr/:qrId/poster.png',
    summary: 'The poster as PNG (?size=A6|A5&dpi=72..300, default 150)',
    tags: ['images'],
    auth: true,
    request: { params: qrParams, query: imageQuery },
    invalid: { query: invalidImageQuery },
    responses: { 200: { description: 'the poster', contentType: 'image/png' } },
    errors: { 400: ['QR.INVALID_QUERY'], 404: ['QR.NOT_FOUND'], 409: ['QR.NOT_ACTIVE', 'QR.NOT_STATIC'] },
  }),
  posterSvg: defineRoute({
    operationId: 'posterSvg',
    method: 'get',
    path: '/qr/:qrId/poster.svg',
    summary: 'The poster as SVG (?size=A6|A5)',
    tags: ['images'],
    auth: true,
    request: { params: qrParams, query: imageQuery },
    invalid: { query: invalidImageQuery },
    responses: { 200: { description: 'the poster', contentType: 'image/svg+xml' } },
    errors: { 400: ['QR.INVALID_QUERY'], 404: ['QR.NOT_FOUND'], 409: ['QR.NOT_ACTIVE', 'QR.NOT_STATIC'] },
  }),
  verifyQr: defineRoute({
    operationId: 'verifyQr',
    method: 'post',
    path: '/qr/verify',
    summary:
      'Public: is this QR genuine? JSON {payload}, or an image (PNG/JPEG) as the body (Content-Type image/png, image/jpeg) or as multipart field "image"',
    tags: ['genuine check'],
    auth: false,
    request: {
      query: z.object({
        // Where a code paying none of our stalls is reported; an unusable value is ignored, never refused.
        marketId: z
          .string()
          .regex(/^[A-Za-z0-9_-]{1,128}$/)
          .optional()
          .catch(undefined),
      }),
      body: z.strictObject({ payload: z.string().min(1).max(2_000) }),
      otherBodies: {
        'image/png': bin,
        'image/jpeg': bin,
        'multipart/form-data': { type: 'object', properties: { image: bin } },
      },
    },
    invalid: { body: { code: 'QR.INVALID_REQUEST', message: 'request body is invalid' } },
    responses: {
      200: {
        description: 'the verdict, whether it is flagged, messages, the stall and QR it points at, what was decoded',
        schema: checkAnswerSchema,
      },
    },
    errors: {
      400: ['QR.INVALID_REQUEST', 'QR.IMAGE_UNREADABLE'],
      413: ['QR.IMAGE_TOO_LARGE'],
      415: ['QR.UNSUPPORTED_IMAGE'],
      422: ['QR.NO_QR_IN_IMAGE'],
    },
  }),
  reportCheck: defineRoute({
    operationId: 'reportCheck',
    method: 'post',
    path: '/qr/checks/:checkId/report',
    summary:
      "Public: the shopper a flagged check warned reports the code to the market's management (qr.reported, once per check; a repeat answers the first report)",
    tags: ['genuine check'],
    auth: false,
    request: { params: z.object({ checkId: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/) }) },
    // An id that cannot be one is simply not found: nothing is looked up.
    invalid: { params: { code: 'QR.CHECK_NOT_FOUND', status: 404, message: 'no flagged check with this id' } },
    responses: {
      200: {
        description: 'the report (the first one, for a repeat)',
        schema: z.object({ checkId: z.string(), reportedAt: timestamp, alreadyReported: z.boolean() }),
      },
    },
    errors: { 404: ['QR.CHECK_NOT_FOUND'] },
  }),
  listGenuineChecks: defineRoute({
    operationId: 'listGenuineChecks',
    method: 'get',
    path: '/genuine-checks',
    summary: 'Flagged checks, newest first: admins, or managers of that market (their own market by default)',
    tags: ['genuine check'],
    auth: true,
    request: {
      query: z.object({
        ...pageQueryShape,
        marketId: z.string().min(1).max(128).optional(),
        verdict: z.enum(VERDICTS).optional(),
      }),
    },
    invalid: {
      query: {
        code: 'QR.INVALID_QUERY',
        message: `verdict is one of ${VERDICTS.join(', ')}`,
        fields: { page: invalidPage, pageSize: invalidPage },
      },
    },
    responses: { 200: { description: 'a page of flagged checks', schema: pageOf(genuineCheckSchema) } },
    errors: { 400: ['HTTP.INVALID_PAGE', 'QR.INVALID_QUERY'] },
  }),
};

export type QrGenerationRoutes = typeof qrGenerationRoutes;
