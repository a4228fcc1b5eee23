import type { Stall } from '../domain/stall';

const iso = (d: Date) => d.toISOString();
/** Absent stays absent and null stays null: the JSON a Date used to become, field for field. */
const isoOr = <T extends null | undefined>(d: Date | T): string | T => (d instanceof Date ? d.toISOString() : d);

/**
 * The stall as the HTTP API shows it (onboardingRoutes' stallViewSchema): no outbox internals, instants as ISO
 * strings, written out here so the compiler checks the answer against the spec.
 */
export function publicStall(stall: Stall) {
  const { outboxWriteIds: _writeIds, backdateMs: _backdate, ...rest } = stall as Stall & { outboxWriteIds?: unknown };
  const { verification: v, suspension: s } = stall;
  return {
    ...rest,
    id: stall._id,
    verification: { ...v, nextAttemptAt: isoOr(v.nextAttemptAt), verifiedAt: isoOr(v.verifiedAt) },
    suspension: s ? { ...s, at: iso(s.at) } : s,
    history: stall.history.map((h) => ({ ...h, at: iso(h.at) })),
    createdAt: iso(stall.createdAt),
    updatedAt: iso(stall.updatedAt),
  };
}
