import { z } from 'zod';
import { portSchema } from '@marketqr/service-kit';
import { faultRuleSchema } from './faults/faults';
import { DEFAULT_OPERATING_ACCOUNT, DEFAULT_PARTNER_BIN, DEFAULT_PORT } from './simulator';

/** The standalone simulator's environment. Everything has a default: `node dist/main.js` just runs. */
export const simulatorConfigShape = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BANK_SIM_HOST: z.string().default('127.0.0.1'),
  BANK_SIM_PORT: portSchema(DEFAULT_PORT),
  /** Seed for fault draws and ids; a random one is picked (and logged) when unset. */
  BANK_SIM_SEED: z.string().min(1).optional(),
  /** When set, bank routes require this `x-api-key`. */
  BANK_SIM_API_KEY: z.string().min(1).optional(),
  BANK_SIM_PARTNER_BIN: z
    .string()
    .regex(/^\d{6}$/)
    .default(DEFAULT_PARTNER_BIN),
  BANK_SIM_OPERATING_ACCOUNT: z
    .string()
    .regex(/^\d{6,19}$/)
    .default(DEFAULT_OPERATING_ACCOUNT),
  /** Faults in force from the start, as the JSON the admin API takes (a rule or an array of rules). */
  BANK_SIM_FAULTS: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (!s) return [];
      try {
        const parsed: unknown = JSON.parse(s);
        return z.array(faultRuleSchema).parse(Array.isArray(parsed) ? parsed : [parsed]);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `not a fault rule (or array of them): ${(e as Error).message}` });
        return z.NEVER;
      }
    }),
};
