import type { mongo } from 'mongoose';
import { toPage, type Page, type PageQuery } from '@marketqr/service-kit';

/**
 * One page of a list route (`?page=&pageSize=`, 1-based): the page's documents in `sort` order and how many match in
 * all, read side by side. Every list route pages this way; `sort` should end on a unique field so that pages do not
 * overlap. Skip/limit is fine for these lists (at most a few thousand rows a stall or a market a day); a feed that
 * grows without end pages by `seq` instead (the ledger's `?since=`).
 */
export async function findPage<T extends mongo.Document>(
  // A mongoose model's `.collection` or a driver collection, whatever its declared document type: T says what is read.
  col: mongo.Collection<any>, // eslint-disable-line @typescript-eslint/no-explicit-any
  filter: Record<string, unknown>,
  q: PageQuery,
  opts: { sort: mongo.Sort; projection?: mongo.Document; total?: Promise<number> },
): Promise<Page<T>> {
  const [items, total] = await Promise.all([
    col
      .find(filter, opts.projection ? { projection: opts.projection } : {})
      .sort(opts.sort)
      .skip((q.page - 1) * q.pageSize)
      .limit(q.pageSize)
      .toArray() as Promise<T[]>,
    opts.total ?? col.countDocuments(filter),
  ]);
  return toPage(items, total, q);
}
