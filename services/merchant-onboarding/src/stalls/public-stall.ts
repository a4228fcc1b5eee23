import type { Stall } from '../domain/stall';

/** The stall as the HTTP API shows it: no outbox internals. */
export function publicStall(stall: Stall) {
  const { outboxWriteIds: _writeIds, backdateMs: _backdate, ...rest } = stall as Stall & { outboxWriteIds?: unknown };
  return { ...rest, id: stall._id };
}
