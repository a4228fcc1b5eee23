import type { z } from 'zod';
import { bankError } from './errors';

/** Parses a request part; anything malformed is a 400 INVALID_REQUEST naming every problem, and nothing is stored. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
  throw bankError('INVALID_REQUEST', `invalid request: ${problems.join('; ')}`, 400, { problems });
}
