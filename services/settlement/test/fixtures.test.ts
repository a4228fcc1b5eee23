/**
 * The messages settlement relies on, as their producers documented them (copies of @marketqr/contracts' fixtures):
 * if a producer changes a schema so that these no longer parse, or lose a field settlement reads, this fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEvent } from '@marketqr/contracts';

const dir = join(__dirname, 'fixtures');

test.each(readdirSync(dir).filter((f) => f.endsWith('.json')))('%s parses with the fields settlement reads', (file) => {
  const parsed = parseEvent(readFileSync(join(dir, file)));
  if (!parsed.ok) throw new Error(`${file}: ${parsed.error.message} ${JSON.stringify(parsed.error.issues)}`);
  const e = parsed.event;
  switch (e.type) {
    case 'payment.confirmed':
    case 'payment.flagged':
      expect(e.data).toMatchObject({
        marketId: expect.any(String),
        amount: expect.any(Number),
        businessDay: expect.any(String),
      });
      expect(typeof e.data.bankTransactionId).toBe('string');
      expect(Number.isNaN(Date.parse(e.data.paidAt))).toBe(false);
      break;
    case 'payment.reversed':
      expect(e.data).toMatchObject({
        reversalId: expect.any(String),
        merchantId: expect.any(String),
        businessDay: expect.any(String),
      });
      break;
    case 'payment.reallocated':
      expect(e.data).toMatchObject({
        reallocationId: expect.any(String),
        toMerchantId: expect.any(String),
        businessDay: expect.any(String),
      });
      expect(e.aggregateId).toBe(e.data.toMerchantId);
      break;
    default:
      if (!e.type.startsWith('merchant.')) throw new Error(`unexpected fixture ${e.type}`);
      expect(e.data).toMatchObject({
        merchantId: e.aggregateId,
        marketId: expect.any(String),
        status: expect.any(String),
      });
      expect(e.data).toHaveProperty('payoutAccount.accountNumber');
  }
});
