import { z } from 'zod';
import { pageQueryShape } from '@marketqr/contracts';
import { AppError } from './errors';

/** `?page=1&pageSize=20` for every list route: 1-based pages, at most 100 items a page (the shape route specs share). */
export const pageQuerySchema = z.object(pageQueryShape);
export type PageQuery = z.infer<typeof pageQuerySchema>;

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
  totalPages: number;
}

export function parsePageQuery(query: unknown): PageQuery {
  const parsed = pageQuerySchema.safeParse(query);
  if (!parsed.success) {
    throw new AppError('HTTP.INVALID_PAGE', 'page must be ≥ 1 and pageSize between 1 and 100', 400, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}

export function toPage<T>(items: T[], total: number, q: PageQuery): Page<T> {
  return { items, page: q.page, pageSize: q.pageSize, total, totalPages: Math.ceil(total / q.pageSize) };
}

/**
 * Parses a request body with a zod schema; failures become 400 `<prefix>.INVALID_REQUEST` listing each field, so
 * nothing half-valid reaches the domain.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, code = 'HTTP.INVALID_REQUEST'): z.output<S> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new AppError(code, 'request body is invalid', 400, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  return parsed.data;
}
