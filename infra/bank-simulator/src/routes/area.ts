import type { Express } from 'express';
import type { RouteDoc } from '@marketqr/service-kit';
import type { SimulatorState } from '../state';

/**
 * A group of routes for one part of the simulated bank (accounts, payouts, admin...). Later areas (the shopper's
 * banking app, webhooks to MarketQR) plug in the same way: add a module, list it in `simulator.ts`.
 */
export interface SimulatorArea {
  name: string;
  routes: RouteDoc[];
  mount(app: Express, state: SimulatorState): void;
}
