import { z } from 'zod';
import { bankRoute } from '../http/bank-route';
import { parseOr400 } from '../support/validation';
import type { SimulatorArea } from './area';

const inquiryBody = z.object({ bin: z.string(), accountNumber: z.string() });
const virtualAccountBody = z.object({
  collectionAccount: z.string(),
  stallRef: z.string().regex(/^[A-Za-z0-9-]{1,32}$/),
  displayName: z.string().min(1).max(70).optional(),
});

/** Account name inquiry (who holds this account?) and virtual accounts for stalls. */
export const accountsArea: SimulatorArea = {
  name: 'accounts',
  routes: [
    {
      method: 'post',
      path: '/v1/accounts/inquiry',
      summary: 'Account name inquiry: {bin, accountNumber} → holder name (operation name_inquiry)',
      tags: ['bank'],
    },
    {
      method: 'post',
      path: '/v1/virtual-accounts',
      summary:
        'Issue (or return) the virtual account of a stall under a collection account (operation virtual_account)',
      tags: ['bank'],
    },
  ],
  mount(app, state) {
    app.post(
      '/v1/accounts/inquiry',
      bankRoute(state, 'name_inquiry', (req) => {
        const q = parseOr400(inquiryBody, req.body);
        const acc = state.accounts.resolve(q.bin, q.accountNumber);
        return {
          status: 200,
          body: {
            bin: acc.bin,
            bankShortName: acc.bank.shortName,
            accountNumber: acc.accountNumber,
            accountName: acc.accountName,
            accountNameAscii: acc.accountNameAscii,
            accountType: acc.accountType,
          },
        };
      }),
    );

    app.post(
      '/v1/virtual-accounts',
      bankRoute(state, 'virtual_account', (req) => {
        const q = parseOr400(virtualAccountBody, req.body);
        const { record, created } = state.accounts.registerVirtual(
          q.collectionAccount,
          q.stallRef,
          q.displayName,
          state.now(),
        );
        return { status: created ? 201 : 200, body: { ...record, created } };
      }),
    );
  },
};
