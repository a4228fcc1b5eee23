import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  EVENT_DEFINITIONS,
  TOPICS,
  causedBy,
  createEvent,
  EventValidationError,
  merchantRegisteredV1,
  parseEvent,
  topicFor,
  type KnownEvent,
} from './index';

const fixturesDir = join(__dirname, '..', 'fixtures');
const fixtureFiles = readdirSync(fixturesDir).filter((f) => f.endsWith('.json'));
const readFixture = (file: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(fixturesDir, file), 'utf8')) as Record<string, unknown>;

describe('fixtures', () => {
  it('has one fixture per registered (type, version)', () => {
    const expected = EVENT_DEFINITIONS.map((d) => `${d.type}.v${d.version}.json`).sort();
    expect(fixtureFiles.sort()).toEqual(expected);
  });

  it.each(fixtureFiles)('%s parses, as bytes, as text and as an object', (file) => {
    const raw = readFileSync(join(fixturesDir, file));
    for (const input of [raw, raw.toString('utf8'), readFixture(file)]) {
      const result = parseEvent(input);
      if (!result.ok) throw new Error(`${file}: ${JSON.stringify(result.error)}`);
      expect(`${result.event.type}.v${result.event.version}.json`).toBe(file);
    }
  });

  it('keeps diacritics intact through bytes', () => {
    const result = parseEvent(readFileSync(join(fixturesDir, 'merchant.registered.v1.json')));
    expect(result.ok && result.event.type === 'merchant.registered' && result.event.data.vendorName).toBe(
      'Nguyễn Thị Hoa',
    );
  });
});

describe('parseEvent failures (never throws)', () => {
  const valid = readFixture('merchant.registered.v1.json');
  const data = valid.data as Record<string, unknown>;

  it.each([
    ['garbage bytes', 'EVENT.MALFORMED_JSON', Buffer.from([0xff, 0x00, 0x13])],
    ['a JSON array', 'EVENT.MALFORMED_JSON', '[1,2]'],
    ['null', 'EVENT.MALFORMED_JSON', null],
    ['no eventId', 'EVENT.INVALID_ENVELOPE', { ...valid, eventId: undefined }],
    ['eventId not a uuid', 'EVENT.INVALID_ENVELOPE', { ...valid, eventId: 'abc' }],
    ['occurredAt not ISO', 'EVENT.INVALID_ENVELOPE', { ...valid, occurredAt: 'yesterday' }],
    ['unknown type', 'EVENT.UNKNOWN_TYPE', { ...valid, type: 'merchant.teleported' }],
    ['unknown version', 'EVENT.UNKNOWN_TYPE', { ...valid, version: 99 }],
    ['missing data field', 'EVENT.INVALID_DATA', { ...valid, data: { ...data, marketName: undefined } }],
    [
      'wrong bank BIN',
      'EVENT.INVALID_DATA',
      { ...valid, data: { ...data, virtualAccount: { bin: '12', accountNumber: '1' } } },
    ],
  ])('%s → %s', (_label, code, input) => {
    const result = parseEvent(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('keeps what it could read of a bad event, and where the data is wrong', () => {
    const result = parseEvent({ ...valid, data: { ...data, status: 'closed' } });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'EVENT.INVALID_DATA', eventId: valid.eventId, type: 'merchant.registered', version: 1 },
    });
    if (!result.ok) expect(result.error.issues.map((i) => i.path)).toContain('status');
  });

  it('rejects fractional đồng', () => {
    const pay = readFixture('payment.confirmed.v1.json');
    const result = parseEvent({ ...pay, data: { ...(pay.data as object), amount: 45000.5 } });
    expect(result.ok ? 'ok' : result.error.code).toBe('EVENT.INVALID_DATA');
  });

  it('rejects an unbalanced ledger entry', () => {
    const je = readFixture('ledger.entry-posted.v1.json');
    const d = je.data as { lines: { account: string; debit: number; credit: number }[] };
    const lines = [d.lines[0], { ...d.lines[1], credit: 44000 }];
    const result = parseEvent({ ...je, data: { ...d, lines } });
    expect(result.ok ? 'ok' : result.error.code).toBe('EVENT.INVALID_DATA');
  });
});

describe('evolution', () => {
  it('accepts an event carrying an optional field this build does not know yet', () => {
    const valid = readFixture('merchant.activated.v1.json');
    const result = parseEvent({ ...valid, data: { ...(valid.data as object), vendorPhoneMasked: '09xx xxx 123' } });
    expect(result.ok).toBe(true);
  });
});

describe('stall snapshot before verification', () => {
  it('may lack the virtual account and the confirmed holder name; a payout may not', () => {
    const reg = readFixture('merchant.registered.v1.json');
    const d = reg.data as Record<string, unknown> & { payoutAccount: Record<string, unknown> };
    const { virtualAccount: _va, ...noVirtual } = d;
    const { holderName: _h, ...unverified } = d.payoutAccount;
    expect(parseEvent({ ...reg, data: { ...noVirtual, payoutAccount: unverified } }).ok).toBe(true);

    const paid = readFixture('settlement.paid.v1.json');
    const p = paid.data as Record<string, unknown> & { payoutAccount: Record<string, unknown> };
    const { holderName: _n, ...nameless } = p.payoutAccount;
    const result = parseEvent({ ...paid, data: { ...p, payoutAccount: nameless } });
    expect(result.ok ? 'ok' : result.error.code).toBe('EVENT.INVALID_DATA');
  });
});

describe('registry', () => {
  it('maps every event to a topic of the catalogue', () => {
    expect(topicFor('merchant.registered', 1)).toBe(TOPICS.merchantEvents);
    expect(topicFor('settlement.failed', 1)).toBe(TOPICS.settlementEvents);
    expect(() => topicFor('merchant.registered', 2)).toThrow(/no event/);
  });

  it('narrows data by type', () => {
    const result = parseEvent(readFixture('payment.confirmed.v1.json'));
    const amount = (e: KnownEvent) => (e.type === 'payment.confirmed' ? e.data.amount : 0);
    expect(result.ok && amount(result.event)).toBe(45000);
  });
});

describe('createEvent', () => {
  const data = readFixture('merchant.registered.v1.json').data as Parameters<
    typeof createEvent<'merchant.registered', 1, typeof merchantRegisteredV1.schema>
  >[1]['data'];

  it('builds an envelope that parses back', () => {
    const e = createEvent(merchantRegisteredV1, {
      aggregateId: data.merchantId,
      data,
      producer: 'merchant-onboarding',
    });
    expect(e.correlationId).toBe(e.eventId);
    expect(e.causationId).toBe(e.eventId);
    const back = parseEvent(JSON.stringify(e));
    expect(back.ok && back.event).toEqual(e);
  });

  it('chains correlation and causation', () => {
    const first = createEvent(merchantRegisteredV1, { aggregateId: 'a', data, producer: 'p', correlationId: 'req-1' });
    const next = createEvent(merchantRegisteredV1, { aggregateId: 'a', data, producer: 'p', ...causedBy(first) });
    expect(next).toMatchObject({ correlationId: 'req-1', causationId: first.eventId });
  });

  it('refuses data its schema rejects', () => {
    expect(() =>
      createEvent(merchantRegisteredV1, { aggregateId: 'a', data: { ...data, vendorName: '' }, producer: 'p' }),
    ).toThrow(EventValidationError);
  });
});
