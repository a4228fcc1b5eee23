import { Router } from 'express';
import { BANKS } from '@marketqr/vietqr';
import { onboardingRoutes as routes } from '@marketqr/contracts';
import { reply } from '@marketqr/service-kit';

export const bankRoutes = [routes.listBanks];

/** Public: the registration form's bank picker. */
export function banksRouter(): Router {
  const r = Router();
  const banks = { items: [...BANKS] };
  r.get(routes.listBanks.path, (_req, res) => {
    reply(res.set('Cache-Control', 'public, max-age=3600'), routes.listBanks, 200, banks);
  });
  return r;
}
