import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseEvent } from '@marketqr/contracts';
import { decodeQr } from '@marketqr/vietqr';
import { qrAccountOf, staticPayload } from '../domain/payload';
import type { MerchantSnapshotIn } from '../store/merchant-store';

/** The producer's own fixtures of the messages this service consumes: they must parse and be enough to make a QR. */
const fixtures = join(require.resolve('@marketqr/contracts'), '..', '..', 'fixtures');
const read = (name: string) => parseEvent(readFileSync(join(fixtures, `${name}.v1.json`)));

test.each(['merchant.registered', 'merchant.verified', 'merchant.activated', 'merchant.suspended', 'merchant.updated'])(
  '%s parses into the snapshot the projection keeps',
  (name) => {
    const parsed = read(name);
    if (!parsed.ok) throw new Error(parsed.error.message);
    const snapshot: MerchantSnapshotIn = parsed.event.data as MerchantSnapshotIn;
    expect(snapshot.merchantId).toBe(parsed.event.aggregateId);
    expect(snapshot.stallCode.length).toBeLessThanOrEqual(25);
  },
);

test('the activation fixture makes a valid poster payload', () => {
  const parsed = read('merchant.activated');
  if (!parsed.ok || parsed.event.type !== 'merchant.activated') throw new Error('fixture');
  const d = parsed.event.data;
  const account = qrAccountOf({ status: d.status, virtualAccount: d.virtualAccount });
  expect(account).not.toBeNull();
  const payload = staticPayload({ merchant: d, account: account!, posterSerial: 'PS22222222' });
  expect(decodeQr(payload)).toMatchObject({ valid: true, purpose: d.stallCode, bin: d.virtualAccount!.bin });
});
