import { createEvent, paymentConfirmedV1, type EventOfType } from '@marketqr/contracts';
import { uniqueName } from '@marketqr/test-harness';

export type Payment = EventOfType<'payment.confirmed'>;

/** A valid payment.confirmed of a stall for the messaging tests; `over` sets the fields a test cares about. */
export function paymentEvent(merchantId: string, over: Partial<Payment['data']> = {}): Payment {
  return createEvent(paymentConfirmedV1, {
    aggregateId: merchantId,
    producer: 'payment-ledger',
    data: {
      paymentId: uniqueName('pay'),
      merchantId,
      marketId: 'market-1',
      stallCode: 'A-1',
      amount: 10_000,
      currency: 'VND',
      bankTransactionId: uniqueName('ft'),
      qrId: null,
      orderCode: null,
      expectedAmount: null,
      payerName: null,
      description: 'payment',
      paidAt: new Date().toISOString(),
      businessDay: '2025-03-01',
      ...over,
    },
  });
}
