import { z } from 'zod';
import type { SimulatorState } from '../state';
import { amountToPay, payQr, readQr } from '../shopper/pay';
import type { ShopperTransaction } from '../shopper/shoppers';
import { bankError } from '../support/errors';
import { parseOr400 } from '../support/validation';
import type { SimulatorArea } from './area';
import { deliveryLink, notifyFields, notifyOptions } from './webhooks.routes';

const payload = z.string().min(1).max(2_048);

const shopperRef = z.union([
  z.string().regex(/^\d{6,19}$/),
  z.strictObject({ bin: z.string().regex(/^\d{6}$/), accountNumber: z.string().regex(/^\d{6,19}$/) }),
]);

const accountBody = z.strictObject({
  bin: z
    .string()
    .regex(/^\d{6}$/)
    .optional(),
  accountNumber: z
    .string()
    .regex(/^\d{6,19}$/)
    .optional(),
  name: z.string().min(1).max(70).optional(),
  balance: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});

const payBody = z.strictObject({
  payload,
  // Any number: the app's own rules (integer, > 0, under the NAPAS limit) answer with their own codes.
  amount: z.number().optional(),
  allowAmountOverride: z.boolean().optional(),
  shopperAccount: shopperRef.optional(),
  description: z.string().max(500).optional(),
  ...notifyFields,
});

const decodeInput = z.object({ payload, amount: z.coerce.number().optional() });

/** The amount a confirm screen would send, or null when the shopper still has to type it (or the app would refuse). */
function previewAmount(qrAmount: number | null, amount: number | undefined): number | null {
  if (amount === undefined && qrAmount === null) return null;
  try {
    return amountToPay(qrAmount, { amount });
  } catch {
    return null;
  }
}

function transactionView(state: SimulatorState, t: ShopperTransaction) {
  const deliveries = t.deliveryIds.flatMap((id) => {
    const d = state.webhooks.get(id);
    return d ? [deliveryLink(d)] : [];
  });
  return {
    ...t,
    deliveries,
    deliveriesHref: `/__admin/webhook-deliveries?transactionId=${t.transactionId}`,
  };
}

/** What the banking app shows before the shopper confirms: who gets the money, and how much. */
function confirmScreen(state: SimulatorState, input: z.infer<typeof decodeInput>) {
  const t = readQr(state, input.payload);
  const d = t.decoded;
  return {
    scheme: d.scheme,
    pointOfInitiation: d.pointOfInitiation ?? null,
    route: t.route,
    bank: { bin: t.bank.bin, code: t.bank.code, shortName: t.bank.shortName, name: t.bank.name },
    accountNumber: t.receiver.accountNumber,
    accountName: t.receiver.accountName,
    accountNameAscii: t.receiver.accountNameAscii,
    accountType: t.receiver.accountType,
    virtualAccount: t.virtualAccount
      ? { collectionAccount: t.virtualAccount.collectionAccount, stallRef: t.virtualAccount.stallRef }
      : null,
    amount: t.qrAmount,
    /** The shopper types the amount (a QR without 54). */
    amountRequired: t.qrAmount === null,
    /** When `amount` was given with the request: what would be sent (or null when the app would refuse it). */
    amountToPay: previewAmount(t.qrAmount, input.amount),
    purpose: d.purpose ?? null,
    merchantName: d.merchantName ?? null,
    merchantCity: d.merchantCity ?? null,
    warnings: t.warnings,
  };
}

/**
 * The shopper's banking app: shoppers with accounts at many banks, decoding a scanned VietQR into a confirm screen,
 * paying it, and the payment history. Not bank routes of the partner bank: no API key, no faults, no request log.
 */
export const shopperArea: SimulatorArea = {
  name: 'shopper',
  routes: [
    { method: 'get', path: '/shopper/accounts', summary: "Shoppers' accounts with balances", tags: ['shopper'] },
    {
      method: 'post',
      path: '/shopper/accounts',
      summary: 'Open a shopper account {bin?, accountNumber?, name?, balance?} (201), or update one (200)',
      tags: ['shopper'],
    },
    {
      method: 'get',
      path: '/shopper/decode',
      summary: 'Confirm screen for a scanned QR: ?payload=&amount= → bank, account, holder name, amount',
      tags: ['shopper'],
    },
    {
      method: 'post',
      path: '/shopper/decode',
      summary: 'The same, with {payload, amount?} in the body',
      tags: ['shopper'],
    },
    {
      method: 'post',
      path: '/shopper/pay',
      summary:
        'Pay a scanned QR {payload, amount?, allowAmountOverride?, shopperAccount?, description?, duplicate?, ' +
        'duplicates?, delayMs?, provider?} → the transaction with its webhook deliveries',
      tags: ['shopper'],
    },
    {
      method: 'get',
      path: '/shopper/transactions',
      summary: "Payments made from the app (?accountNumber= the payer's or the receiver's)",
      tags: ['shopper'],
    },
    { method: 'get', path: '/shopper/transactions/:id', summary: 'One payment and its deliveries', tags: ['shopper'] },
  ],
  mount(app, state) {
    app.get('/shopper/accounts', (_req, res) => {
      res.json({ accounts: state.shoppers.list() });
    });
    app.post('/shopper/accounts', (req, res) => {
      const body = parseOr400(accountBody, req.body ?? {});
      const { account, created } = state.shoppers.upsert(body);
      res.status(created ? 201 : 200).json({ ...account, created });
    });
    app.get('/shopper/decode', (req, res) => {
      res.json(confirmScreen(state, parseOr400(decodeInput, req.query)));
    });
    app.post('/shopper/decode', (req, res) => {
      res.json(confirmScreen(state, parseOr400(decodeInput, req.body)));
    });
    app.post('/shopper/pay', (req, res) => {
      const body = parseOr400(payBody, req.body);
      const { transaction } = payQr(state, {
        payload: body.payload,
        amount: body.amount,
        allowAmountOverride: body.allowAmountOverride,
        shopperAccount: body.shopperAccount,
        description: body.description,
        notify: notifyOptions(body),
      });
      res.status(201).json(transactionView(state, transaction));
    });
    app.get('/shopper/transactions', (req, res) => {
      const account = typeof req.query.accountNumber === 'string' ? req.query.accountNumber : undefined;
      res.json({ transactions: state.shoppers.listTransactions(account).map((t) => transactionView(state, t)) });
    });
    app.get('/shopper/transactions/:id', (req, res) => {
      const t = state.shoppers.transaction(String(req.params.id));
      if (!t) throw bankError('TRANSACTION_NOT_FOUND', `no shopper transaction ${req.params.id}`, 404);
      res.json(transactionView(state, t));
    });
  },
};
