import { DomainError } from '@marketqr/service-kit';
import type { Actor, Merchant } from './model';
import { qrAccountOf } from './payload';

/** Who asked for a QR, and how: a person through the API, or the service itself on a merchant event. */
export type IssuedBy = Actor & { via: 'api' | 'merchant_event' };

/** Why a stall gets no QR now (a conflict with the stall's state); null when it may have one. */
export function notEligible(m: Pick<Merchant, 'status' | 'virtualAccount'>): DomainError | null {
  if (m.status !== 'active') {
    return new DomainError('QR.STALL_NOT_ACTIVE', `the stall is ${m.status}: only active stalls get QRs`, 'conflict', {
      status: m.status,
    });
  }
  if (!m.virtualAccount) {
    return new DomainError(
      'QR.NO_VIRTUAL_ACCOUNT',
      'the bank has not registered this stall’s virtual account yet',
      'conflict',
    );
  }
  return null;
}

/** The account a stall's QR pays into, or the error saying why it gets no QR (both services' first step). */
export function eligibleAccount(m: Pick<Merchant, 'status' | 'virtualAccount'>) {
  const refusal = notEligible(m);
  if (refusal) throw refusal;
  // notEligible refused every stall qrAccountOf has no account for.
  return qrAccountOf(m)!;
}
