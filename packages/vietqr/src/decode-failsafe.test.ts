// decodeQr promises never to throw. Its last line of defence is a catch-all that turns a bug of its own into a
// QR.DECODE_FAILED result; this file forces such a bug to prove the catch-all works.
jest.mock('./tlv', () => ({
  ...jest.requireActual('./tlv'),
  parseLevel: () => {
    throw new Error('boom');
  },
}));

import { decodeQr } from './decode';

it('returns QR.DECODE_FAILED instead of throwing when the decoder itself fails', () => {
  const d = decodeQr('000201');
  expect(d).toEqual({
    valid: false,
    crcValid: false,
    errors: [{ code: 'QR.DECODE_FAILED', path: '', message: 'decoder bug: boom', severity: 'error' }],
    tags: [],
  });
});
