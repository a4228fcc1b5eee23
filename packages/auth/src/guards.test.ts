import type { Request } from 'express';
import type { PrincipalClaims } from './claims';
import { actorOf, assertEveryMarket, assertMarket, assertStall, assertStallManager } from './guards';

const exp = new Date(Date.now() + 60_000);
const as = (p: PrincipalClaims | undefined) =>
  ({ auth: p ? { ...p, expiresAt: exp } : undefined }) as unknown as Request;

const vendorA = as({ role: 'vendor', sub: 'u-a', merchantId: 'stall-a', marketId: 'm1' });
const manager1 = as({ role: 'market_manager', sub: 'u-m1', marketId: 'm1' });
const admin = as({ role: 'admin', sub: 'u-admin' });
const service = as({ role: 'service', sub: 'settlement' });
const anonymous = as(undefined);

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'allowed';
  } catch (e) {
    return (e as { code: string }).code;
  }
};

describe('scope guards', () => {
  const stallA = { merchantId: 'stall-a', marketId: 'm1' };
  const stallZ = { merchantId: 'stall-z', marketId: 'm2' };
  const unknownStall = { merchantId: 'stall-a', marketId: null };

  it('stall: its vendor, its market’s managers, admins and services', () => {
    expect(code(() => assertStall(vendorA, stallA))).toBe('allowed');
    expect(code(() => assertStall(vendorA, stallZ))).toBe('AUTH.FORBIDDEN');
    expect(code(() => assertStall(manager1, stallA))).toBe('allowed');
    expect(code(() => assertStall(manager1, stallZ))).toBe('AUTH.FORBIDDEN');
    expect(code(() => assertStall(admin, stallZ))).toBe('allowed');
    expect(code(() => assertStall(service, stallZ))).toBe('allowed');
    expect(code(() => assertStall(anonymous, stallA))).toBe('AUTH.MISSING_TOKEN');
  });

  it('a stall of unknown market refuses managers (fail closed) but not its own vendor', () => {
    expect(code(() => assertStall(manager1, unknownStall))).toBe('AUTH.FORBIDDEN');
    expect(code(() => assertStall(vendorA, unknownStall))).toBe('allowed');
  });

  it('stall manager: never the vendor, even of its own stall', () => {
    expect(code(() => assertStallManager(vendorA, stallA))).toBe('AUTH.FORBIDDEN');
    expect(code(() => assertStallManager(manager1, stallA))).toBe('allowed');
    expect(code(() => assertStallManager(manager1, stallZ))).toBe('AUTH.FORBIDDEN');
    expect(code(() => assertStallManager(admin, stallZ))).toBe('allowed');
  });

  it('market: its managers, admins and services; vendors never', () => {
    expect(code(() => assertMarket(manager1, 'm1'))).toBe('allowed');
    expect(code(() => assertMarket(manager1, 'm2'))).toBe('AUTH.FORBIDDEN');
    expect(code(() => assertMarket(vendorA, 'm1'))).toBe('AUTH.FORBIDDEN');
    expect(code(() => assertMarket(admin, 'm2'))).toBe('allowed');
  });

  it('every market: admins and services only', () => {
    expect(code(() => assertEveryMarket(admin))).toBe('allowed');
    expect(code(() => assertEveryMarket(service))).toBe('allowed');
    expect(code(() => assertEveryMarket(manager1))).toBe('AUTH.FORBIDDEN');
    expect(code(() => assertEveryMarket(vendorA))).toBe('AUTH.FORBIDDEN');
  });

  it('returns the principal it checked, and the actor for audit fields', () => {
    expect(assertStall(manager1, stallA).sub).toBe('u-m1');
    expect(actorOf(vendorA)).toEqual({ userId: 'u-a', role: 'vendor' });
  });
});
