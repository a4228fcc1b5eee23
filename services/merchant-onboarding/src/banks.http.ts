import { Router } from 'express';
import { BANKS } from '@marketqr/vietqr';
import type { RouteDoc } from '@marketqr/service-kit';

export const bankRoutes: RouteDoc[] = [
  {
    method: 'get',
    path: '/banks',
    summary: 'Banks a vendor can be paid out to (BIN, short name, full Vietnamese name)',
    tags: ['banks'],
  },
];

/** Public: the registration form's bank picker. */
export function banksRouter(): Router {
  const r = Router();
  r.get('/banks', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json({ items: BANKS });
  });
  return r;
}
