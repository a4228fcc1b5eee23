import fc from 'fast-check';
import { BANKS } from './banks';
import { foldToAscii } from './charset';
import { decodeQr, type DecodedQr } from './decode';
import { encodeVietQr, type VietQrInput } from './encode';
import { VietQrError } from './errors';

// A fixed seed keeps CI deterministic; FC_SEED=<n> explores other corners locally (a failure prints its seed).
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20251202), numRuns: 500 });

const VIETNAMESE = 'aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ';
const LETTERS = [...VIETNAMESE, ...VIETNAMESE.toUpperCase()];
const PRINTABLE = Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i));

/** Text a stall holder might type: Vietnamese letters, spaces, digits, ASCII punctuation. Folds 1:1 to ASCII. */
const vnText = (maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...LETTERS, ...PRINTABLE), minLength: 1, maxLength });
const digits = (minLength: number, maxLength: number): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength, maxLength });

const inputArb: fc.Arbitrary<VietQrInput> = fc.record(
  {
    bin: fc.constantFrom(...BANKS.map((b) => b.bin)),
    accountNumber: digits(1, 19),
    service: fc.constantFrom('account' as const, 'card' as const),
    amount: fc.oneof(fc.integer({ min: 1, max: 499_999_999 }), fc.integer({ min: 1, max: 499_999_999 }).map(String)),
    mcc: digits(4, 4),
    merchantName: vnText(25),
    merchantCity: vnText(15),
    postalCode: fc.string({ unit: fc.constantFrom(...PRINTABLE), minLength: 1, maxLength: 10 }),
    purpose: vnText(25),
    billNumber: vnText(25),
    mobileNumber: digits(1, 12),
    storeLabel: vnText(25),
    terminalLabel: vnText(10),
    referenceLabel: vnText(12),
    alternateLanguage: fc.record({ name: vnText(25), city: vnText(15) }, { requiredKeys: ['name'] }),
  },
  { requiredKeys: ['bin', 'accountNumber'] },
);

/** What decode should give back for x (the fields encode writes). */
function expected(x: VietQrInput): Partial<DecodedQr> {
  const e: Partial<DecodedQr> = {
    valid: true,
    crcValid: true,
    scheme: 'vietqr',
    bin: x.bin,
    accountNumber: x.accountNumber,
    serviceCode: x.service === 'card' ? 'QRIBFTTC' : 'QRIBFTTA',
    currency: '704',
    country: 'VN',
    pointOfInitiation: x.amount === undefined ? 'static' : 'dynamic',
  };
  if (x.amount !== undefined) e.amount = String(Number(x.amount));
  if (x.mcc !== undefined) e.mcc = x.mcc;
  const folded = { merchantName: 59, merchantCity: 60, purpose: 62, billNumber: 62, storeLabel: 62, terminalLabel: 62 };
  for (const k of Object.keys(folded) as (keyof typeof folded)[]) if (x[k] !== undefined) e[k] = foldToAscii(x[k]);
  if (x.referenceLabel !== undefined) e.referenceLabel = foldToAscii(x.referenceLabel);
  if (x.postalCode !== undefined) e.postalCode = x.postalCode;
  if (x.mobileNumber !== undefined) e.mobileNumber = x.mobileNumber;
  if (x.alternateLanguage) {
    e.alternateLanguage = { language: 'vi', name: x.alternateLanguage.name.normalize('NFC') };
    if (x.alternateLanguage.city !== undefined) e.alternateLanguage.city = x.alternateLanguage.city.normalize('NFC');
  }
  return e;
}

function additionalDataLength(x: VietQrInput): number {
  const fields = [x.purpose, x.billNumber, x.storeLabel, x.terminalLabel, x.referenceLabel, x.mobileNumber];
  return fields.reduce((n, f) => (f === undefined ? n : n + 4 + foldToAscii(f).length), 0);
}

describe('property: decode(encode(x)) gives back x', () => {
  it('for any valid input (or encode refuses an over-full 62 with FIELD_TOO_LONG 62)', () => {
    fc.assert(
      fc.property(inputArb, (x) => {
        if (additionalDataLength(x) > 99) {
          expect(() => encodeVietQr(x)).toThrow(expect.objectContaining({ code: 'QR.FIELD_TOO_LONG', path: '62' }));
          return;
        }
        const d = decodeQr(encodeVietQr(x));
        expect(d.errors).toEqual([]);
        expect(d).toMatchObject(expected(x));
        expect(d.bank?.bin).toBe(x.bin);
      }),
      { numRuns: 1000 },
    );
  });

  it('folded ans fields are printable ASCII of the same length as the Vietnamese typed', () => {
    fc.assert(
      fc.property(vnText(25), (s) => {
        const f = foldToAscii(s);
        expect(f).toMatch(/^[\x20-\x7e]*$/);
        expect(f.length).toBe([...s.normalize('NFC')].length);
      }),
    );
  });

  it('the encoder only ever throws VietQrError, whatever it is given', () => {
    const anything = fc.oneof(fc.string({ unit: 'binary' }), fc.integer(), fc.double(), fc.constant(undefined));
    fc.assert(
      fc.property(
        fc.record({
          bin: anything,
          accountNumber: anything,
          amount: anything,
          purpose: anything,
          merchantName: anything,
        }),
        (x) => {
          try {
            encodeVietQr(x as unknown as VietQrInput, { allowAlphanumericAccount: true });
          } catch (e) {
            expect(e).toBeInstanceOf(VietQrError);
          }
        },
      ),
    );
  });
});

/** Structural invariants of any decode result; run on everything decodeQr is fed below. */
function assertWellFormed(d: DecodedQr): void {
  expect(typeof d.valid).toBe('boolean');
  expect(typeof d.crcValid).toBe('boolean');
  expect(Array.isArray(d.errors)).toBe(true);
  expect(Array.isArray(d.tags)).toBe(true);
  expect(d.valid).toBe(!d.errors.some((e) => e.severity === 'error'));
  expect(d.errors.some((e) => e.code === 'QR.DECODE_FAILED')).toBe(false);
  expect(() => JSON.stringify(d)).not.toThrow();
}

const validPayload = inputArb.filter((x) => additionalDataLength(x) <= 99).map((x) => encodeVietQr(x));

/** One edit of a payload: replace, insert or delete one character, or cut it short. */
const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('replace' as const),
    at: fc.nat(),
    ch: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    ch: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), ch: fc.constant('') }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), ch: fc.constant('') }),
);

function mutate(payload: string, m: { kind: string; at: number; ch: string }): string {
  const cps = [...payload];
  const i = m.at % (cps.length + 1);
  if (m.kind === 'replace') cps.splice(Math.min(i, cps.length - 1), 1, m.ch);
  else if (m.kind === 'insert') cps.splice(i, 0, m.ch);
  else if (m.kind === 'delete') cps.splice(Math.min(i, cps.length - 1), 1);
  else cps.length = i;
  return cps.join('');
}

describe('property: decode never throws', () => {
  const loneSurrogates = fc.string({
    unit: fc.oneof(fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c))),
    maxLength: 200,
  });

  it.each<[string, fc.Arbitrary<string>]>([
    ['fc.string()', fc.string({ maxLength: 300 })],
    ['full Unicode (fc.string unit binary)', fc.string({ unit: 'binary', maxLength: 300 })],
    ['graphemes', fc.string({ unit: 'grapheme', maxLength: 100 })],
    ['UTF-16 units with lone surrogates', loneSurrogates],
    ['digit strings (parse deep)', digits(0, 300)],
    [
      'ID-length-value runs with random lengths',
      fc
        .array(fc.tuple(digits(2, 2), digits(2, 2), fc.string({ unit: 'binary', maxLength: 40 })), { maxLength: 20 })
        .map((objs) => objs.map(([id, len, v]) => id + len + v).join('')),
    ],
  ])('on %s', (_name, arb) => {
    fc.assert(
      fc.property(arb, (s) => assertWellFormed(decodeQr(s))),
      { numRuns: 700 },
    );
  });

  it('on valid payloads with up to 5 random edits', () => {
    fc.assert(
      fc.property(validPayload, fc.array(mutation, { minLength: 1, maxLength: 5 }), (p, ms) => {
        assertWellFormed(decodeQr(ms.reduce(mutate, p)));
      }),
      { numRuns: 700 },
    );
  });
});

describe('property: any single-character change to a valid payload is detected', () => {
  const HEX = /[0-9A-Fa-f]/;
  it('valid becomes false, by CRC or by structure', () => {
    const replacement = fc.oneof(
      fc.constantFrom(...PRINTABLE),
      fc.constantFrom(...LETTERS),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(validPayload, fc.nat(), replacement, (p, at, ch) => {
        const cps = [...p];
        const i = at % cps.length;
        const old = cps[i] as string;
        fc.pre(ch !== old);
        // The CRC is compared case-insensitively, so flipping the case of one of its hex letters changes nothing.
        fc.pre(!(i >= cps.length - 4 && HEX.test(ch) && ch.toUpperCase() === old.toUpperCase()));
        cps[i] = ch;
        const d = decodeQr(cps.join(''));
        expect(d.valid).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
