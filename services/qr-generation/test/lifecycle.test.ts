/**
 * The QR lifecycle against the real broker and database: merchant events in, qr events out, the HTTP API for static
 * and dynamic QRs, expiry by the service's own sweeper, authorization, and bad input refused with nothing stored.
 */
import { createHash } from 'node:crypto';
import { decodeQr } from '@marketqr/vietqr';
import { waitFor } from '@marketqr/test-harness';
import { CODE_ALPHABET } from '../src/domain/codes';
import { stableEventId } from '../src/events';
import {
  activated,
  startQrService,
  stall,
  suspended,
  token,
  updated,
  type Harness,
  type Snapshot,
  vendorOf,
  managerOf,
  adminToken,
} from './support';

let h: Harness;

beforeAll(async () => {
  h = await startQrService();
});

afterAll(async () => {
  await h?.stop();
});

const admin = adminToken();
const ORDER_CODE = new RegExp(`^MQ[${CODE_ALPHABET}]{8}$`);

/** Activates a stall and waits for its first poster. */
async function activate(s: Snapshot) {
  const event = activated(s);
  await h.publish(event);
  const issued = await h.waitForQrEvent(
    'qr.issued',
    (e) => e.data.merchantId === s.merchantId && e.data.kind === 'static',
    `static qr.issued for ${s.merchantId}`,
  );
  return { event, issued };
}

const countQrs = (merchantId: string) => h.db.collection('qr_codes').countDocuments({ merchantId });

describe('static poster', () => {
  test('activation issues a poster at once, with qr.issued carrying what the ledger matches on', async () => {
    const s = stall({ vendorName: 'Nguyễn Thị Hoa' });
    const { event, issued } = await activate(s);

    expect(issued.aggregateId).toBe(s.merchantId);
    expect(issued.producer).toBe('qr-generation');
    expect(issued.causationId).toBe(event.eventId);
    expect(issued.correlationId).toBe(event.correlationId);
    expect(issued.data).toMatchObject({
      merchantId: s.merchantId,
      marketId: s.marketId,
      kind: 'static',
      stallCode: s.stallCode,
      bin: s.virtualAccount.bin,
      accountNumber: s.virtualAccount.accountNumber,
      orderCode: null,
      amount: null,
      expiresAt: null,
      posterSerial: expect.stringMatching(new RegExp(`^PS[${CODE_ALPHABET}]{8}$`)),
    });

    const d = decodeQr(issued.data.payload);
    expect(d.valid).toBe(true);
    expect(d).toMatchObject({
      pointOfInitiation: 'static',
      bin: s.virtualAccount.bin,
      accountNumber: s.virtualAccount.accountNumber,
      serviceCode: 'QRIBFTTA',
      purpose: s.stallCode,
      storeLabel: s.stallCode,
      terminalLabel: issued.data.posterSerial,
      merchantName: 'Nguyen Thi Hoa',
      merchantCity: 'Ho Chi Minh',
      alternateLanguage: { language: 'vi', name: 'Nguyễn Thị Hoa', city: 'Hồ Chí Minh' },
    });
    expect(d.amount).toBeUndefined();

    const current = await h.http('GET', `/stalls/${s.merchantId}/qr/static`, { token: vendorOf(s) });
    expect(current.status).toBe(200);
    expect(current.body.qr).toMatchObject({
      id: issued.data.qrId,
      status: 'active',
      payload: issued.data.payload,
      payloadHash: createHash('sha256').update(issued.data.payload).digest('hex'),
      issuedBy: { userId: 'qr-generation', role: 'service', via: 'merchant_event' },
      bankShortName: 'Vietcombank',
    });
  });

  test('an active stall without a virtual account gets no QR until the bank registers one', async () => {
    const s = stall();
    const { virtualAccount: _va, ...withoutAccount } = s;
    await h.publish(activated(withoutAccount));
    await waitFor(
      async () => (await h.db.collection('merchants').findOne({ _id: s.merchantId as never }))?.status === 'active',
    );
    for (const path of [`/stalls/${s.merchantId}/qr/dynamic`, `/stalls/${s.merchantId}/qr/static`]) {
      const r = await h.http('POST', path, { token: vendorOf(s), body: { amount: 10_000 } });
      expect([r.status, r.body.error.code]).toEqual([409, 'QR.NO_VIRTUAL_ACCOUNT']);
    }
    expect(await countQrs(s.merchantId)).toBe(0);

    await h.publish(updated(s, ['virtualAccount']));
    const issued = await h.waitForQrEvent('qr.issued', (e) => e.data.merchantId === s.merchantId);
    expect(issued.data).toMatchObject({ kind: 'static', accountNumber: s.virtualAccount.accountNumber });
  });

  test('a redelivered event and an older one change nothing; a new stall code replaces the poster', async () => {
    const s = stall();
    const t0 = new Date(Date.now() - 60_000);
    const { event, issued } = await activate(s);
    const older = updated({ ...s, vendorName: 'Tên Cũ' }, ['vendorName'], t0);
    const renamed = { ...s, stallCode: `${s.stallCode}X` };
    await h.publish(event, older, updated(renamed, ['stallCode']));

    const second = await h.waitForQrEvent(
      'qr.issued',
      (e) => e.data.merchantId === s.merchantId && e.data.qrId !== issued.data.qrId,
      'the replacement poster',
    );
    const revoked = await h.waitForQrEvent('qr.revoked', (e) => e.data.qrId === issued.data.qrId);
    expect(revoked.data).toMatchObject({ kind: 'static', reasonCode: 'poster_replaced', orderCode: null });
    expect(second.data.stallCode).toBe(renamed.stallCode);
    expect(decodeQr(second.data.payload).purpose).toBe(renamed.stallCode);
    // The stale rename never reached the projection, so the new poster still carries the current name.
    expect(decodeQr(second.data.payload).alternateLanguage?.name).toBe(s.vendorName);
    expect(await countQrs(s.merchantId)).toBe(2);
  });

  test('re-issue by API revokes the previous poster', async () => {
    const s = stall();
    const { issued } = await activate(s);
    const r = await h.http('POST', `/stalls/${s.merchantId}/qr/static`, { token: vendorOf(s) });
    expect(r.status).toBe(201);
    expect(r.body.revoked).toEqual([issued.data.qrId]);
    expect(r.body.qr).toMatchObject({ kind: 'static', status: 'active', issuedBy: { via: 'api', role: 'vendor' } });
    expect(r.body.qr.posterSerial).not.toBe(issued.data.posterSerial);
    // Same stall, same account: only the serial in 62/07 tells the two posters apart.
    expect(r.body.qr.payload).not.toBe(issued.data.payload);
    expect(decodeQr(r.body.qr.payload).terminalLabel).toBe(r.body.qr.posterSerial);

    const newIssued = await h.waitForQrEvent('qr.issued', (e) => e.data.qrId === r.body.qr.id);
    expect(newIssued.data.posterSerial).toBe(r.body.qr.posterSerial);
    const revoked = await h.waitForQrEvent('qr.revoked', (e) => e.data.qrId === issued.data.qrId);
    expect(revoked.data).toMatchObject({ merchantId: s.merchantId, kind: 'static', reasonCode: 'poster_replaced' });
    // Events of one stall keep their order: the new poster is announced before the old one is withdrawn.
    const order = h
      .qrEvents()
      .filter((e) => e.aggregateId === s.merchantId)
      .map((e) => `${e.type}:${(e.data as { qrId: string }).qrId}`);
    expect(order).toEqual([
      `qr.issued:${issued.data.qrId}`,
      `qr.issued:${r.body.qr.id}`,
      `qr.revoked:${issued.data.qrId}`,
    ]);

    const old = await h.http('GET', `/qr/${issued.data.qrId}`, { token: managerOf(s.marketId) });
    expect(old.body.qr).toMatchObject({ status: 'revoked', revokedReasonCode: 'poster_replaced' });
  });

  test('suspension revokes the poster and every open dynamic QR; a suspended stall gets no new QR', async () => {
    const s = stall();
    const { issued } = await activate(s);
    const dyn = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, {
      token: vendorOf(s),
      body: { amount: 35_000 },
    });
    expect(dyn.status).toBe(201);
    await h.publish(suspended(s));

    for (const qrId of [issued.data.qrId, dyn.body.qr.id as string]) {
      const e = await h.waitForQrEvent('qr.revoked', (x) => x.data.qrId === qrId, `revocation of ${qrId}`);
      expect(e.data.reasonCode).toBe('merchant_suspended');
    }
    const dynRevoked = h.qrEvents().find((e) => e.type === 'qr.revoked' && e.data.qrId === dyn.body.qr.id);
    expect(dynRevoked?.data).toMatchObject({ kind: 'dynamic', orderCode: dyn.body.qr.orderCode });

    const before = await countQrs(s.merchantId);
    for (const path of [`/stalls/${s.merchantId}/qr/dynamic`, `/stalls/${s.merchantId}/qr/static`]) {
      const r = await h.http('POST', path, { token: vendorOf(s), body: { amount: 10_000 } });
      expect(r.status).toBe(409);
      expect(r.body.error.code).toBe('QR.STALL_NOT_ACTIVE');
    }
    expect(await countQrs(s.merchantId)).toBe(before);
    expect((await h.http('GET', `/stalls/${s.merchantId}/qr/static`, { token: vendorOf(s) })).body.error.code).toBe(
      'QR.NOT_FOUND',
    );
  });
});

describe('dynamic QR', () => {
  test('QRs issued while the stall is being suspended: none is left active, every one that answered 201 is revoked', async () => {
    const s = stall();
    await activate(s);
    // Issues in flight before, during and after the suspension is applied (they are not serialised per stall).
    const issues = Array.from({ length: 40 }, (_, i) =>
      h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, { token: vendorOf(s), body: { amount: 1_000 + i } }),
    );
    await h.publish(suspended(s));
    const answers = await Promise.all(issues);
    for (const a of answers) expect([201, 409]).toContain(a.status);
    const issued = answers.filter((a) => a.status === 201).map((a) => a.body.qr.id as string);
    await waitFor(
      async () =>
        (await h.db.collection('qr_codes').countDocuments({ merchantId: s.merchantId, status: 'active' })) === 0,
      { timeoutMs: 60_000, what: 'no active QR left for the suspended stall' },
    );
    for (const qrId of issued) {
      await h.waitForQrEvent('qr.revoked', (e) => e.data.qrId === qrId, `revocation of ${qrId}`);
    }
  });

  test('a stall suspended by another replica is seen by the next issue here: its QR is revoked, the answer is 409', async () => {
    const s = stall();
    await activate(s);
    // This process now keeps the stall in memory.
    const first = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, {
      token: vendorOf(s),
      body: { amount: 9_000 },
    });
    expect(first.status).toBe(201);
    // Another replica's consumer: the stall's new state, then the epoch, and its sweep already done (it found nothing
    // of what follows). Nothing of this passes through this process.
    await h.db.collection('merchants').updateOne({ _id: s.merchantId as never }, { $set: { status: 'suspended' } });
    await h.db
      .collection('projection_epochs')
      .updateOne(
        { _id: 'merchants' as never },
        { $set: { token: 'another-replica', at: new Date() } },
        { upsert: true },
      );
    const late = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, {
      token: vendorOf(s),
      body: { amount: 9_500 },
    });
    expect([late.status, late.body.error?.code]).toEqual([409, 'QR.STALL_NOT_ACTIVE']);
    const revoked = await h.waitForQrEvent(
      'qr.revoked',
      (e) => e.data.merchantId === s.merchantId && e.data.amount === 9_500,
      'the late QR revoked',
    );
    expect(revoked.data.reasonCode).toBe('merchant_suspended');
    expect(
      await h.db.collection('qr_codes').countDocuments({ merchantId: s.merchantId, amount: 9_500, status: 'active' }),
    ).toBe(0);
  });

  test('issue, then cancel', async () => {
    const s = stall();
    await activate(s);
    const started = h.clock.now().getTime();
    const r = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, {
      token: vendorOf(s),
      body: { amount: 50_000, note: 'Hai ký cà chua', ttlSeconds: 600 },
    });
    expect(r.status).toBe(201);
    const qr = r.body.qr;
    expect(qr).toMatchObject({
      kind: 'dynamic',
      status: 'active',
      amount: 50_000,
      note: 'Hai ký cà chua',
      ttlSeconds: 600,
    });
    expect(qr.orderCode).toMatch(ORDER_CODE);
    expect(Date.parse(qr.expiresAt) - started).toBeGreaterThanOrEqual(599_000);
    expect(Date.parse(qr.expiresAt) - started).toBeLessThan(610_000);
    // The answer carries the payload for the phone to draw, and no image unless asked; the PNG is rendered when its
    // link is fetched, the same bytes each time.
    expect(decodeQr(qr.payload).valid).toBe(true);
    expect(r.body.image).toBeUndefined();
    const withSvg = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic?image=svg`, {
      token: vendorOf(s),
      body: { amount: 20_000 },
    });
    expect(withSvg.status).toBe(201);
    expect(withSvg.body.image.svgDataUrl).toMatch(/^data:image\/svg\+xml;base64,/);
    expect(Buffer.from(withSvg.body.image.svgDataUrl.split(',')[1], 'base64').toString('utf8')).toMatch(/^<svg /);
    const badImage = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic?image=gif`, {
      token: vendorOf(s),
      body: { amount: 20_000 },
    });
    expect(badImage.status).toBe(400);
    expect(badImage.body.error.code).toBe('QR.INVALID_IMAGE_OPTION');
    const png1 = await h.http('GET', qr.links.png, { token: vendorOf(s) });
    const png2 = await h.http('GET', qr.links.png, { token: vendorOf(s) });
    expect(png1.headers.get('content-type')).toBe('image/png');
    expect(png1.bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(png2.bytes.equals(png1.bytes)).toBe(true);
    expect(qr.links.png).toBe(`/qr/${qr.id}/image.png`);
    const d = decodeQr(qr.payload);
    expect(d).toMatchObject({
      valid: true,
      pointOfInitiation: 'dynamic',
      amount: '50000',
      purpose: qr.orderCode,
      billNumber: qr.orderCode,
      storeLabel: s.stallCode,
    });

    const issued = await h.waitForQrEvent('qr.issued', (e) => e.data.qrId === qr.id);
    expect(issued.data).toMatchObject({
      kind: 'dynamic',
      merchantId: s.merchantId,
      marketId: s.marketId,
      stallCode: s.stallCode,
      orderCode: qr.orderCode,
      amount: 50_000,
      expiresAt: qr.expiresAt,
      bin: s.virtualAccount.bin,
      accountNumber: s.virtualAccount.accountNumber,
      payload: qr.payload,
      posterSerial: null,
    });

    const png = await h.http('GET', qr.links.png, { token: vendorOf(s) });
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');

    const cancel = await h.http('POST', `/qr/${qr.id}/cancel`, { token: vendorOf(s) });
    expect(cancel.status).toBe(200);
    expect(cancel.body.qr).toMatchObject({ status: 'revoked', revokedReasonCode: 'cancelled_by_vendor' });
    const revoked = await h.waitForQrEvent('qr.revoked', (e) => e.data.qrId === qr.id);
    expect(revoked.data).toMatchObject({ kind: 'dynamic', orderCode: qr.orderCode, reasonCode: 'cancelled_by_vendor' });

    const again = await h.http('POST', `/qr/${qr.id}/cancel`, { token: vendorOf(s) });
    expect([again.status, again.body.error.code]).toEqual([409, 'QR.NOT_ACTIVE']);
    const image = await h.http('GET', qr.links.png, { token: vendorOf(s) });
    expect([image.status, image.body.error.code]).toEqual([409, 'QR.NOT_ACTIVE']);
    const staticCancel = await h.http(
      'POST',
      `/qr/${(await h.http('GET', `/stalls/${s.merchantId}/qr/static`, { token: admin })).body.qr.id}/cancel`,
      { token: admin },
    );
    expect([staticCancel.status, staticCancel.body.error.code]).toEqual([409, 'QR.NOT_CANCELLABLE']);
  });

  test('a cancellation left half-done by a crash is retried later, never silently skipped', async () => {
    const s = stall();
    await activate(s);
    const r = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, {
      token: vendorOf(s),
      body: { amount: 8_000 },
    });
    // What a crash between staging the event and writing the QR leaves: a staged outbox record with the event's id.
    const leftover = {
      _id: stableEventId(r.body.qr.id, 'qr.revoked'),
      state: 'staged',
      topic: 'marketqr.qr.events.v1',
      key: s.merchantId,
      type: 'qr.revoked',
      version: 1,
      payload: '{}',
      source: 'qr_codes',
      docId: r.body.qr.id,
      writeId: 'crashed-write',
      enqueuedAt: new Date(),
      seq: 0,
    };
    await h.db.collection('outbox').insertOne(leftover as never);
    const early = await h.http('POST', `/qr/${r.body.qr.id}/cancel`, { token: vendorOf(s) });
    expect([early.status, early.body.error.code]).toEqual([503, 'QR.RETRY_LATER']);
    expect((await h.http('GET', `/qr/${r.body.qr.id}`, { token: vendorOf(s) })).body.qr.status).toBe('active');

    // The relay drops such a record once it has verified the write never happened; then the retry goes through.
    await h.db.collection('outbox').deleteOne({ _id: leftover._id as never });
    const retried = await h.http('POST', `/qr/${r.body.qr.id}/cancel`, { token: vendorOf(s) });
    expect(retried.body.qr.status).toBe('revoked');
    await h.waitForQrEvent('qr.revoked', (e) => e.data.qrId === r.body.qr.id);
  });

  test('expires by itself after its time to live, with qr.expired', async () => {
    const s = stall();
    await activate(s);
    const r = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, {
      token: managerOf(s.marketId),
      body: { amount: 120_000, ttlSeconds: 60 },
    });
    expect(r.status).toBe(201);
    const open = await h.http('GET', `/qr/${r.body.qr.id}`, { token: vendorOf(s) });
    expect(open.body.qr.status).toBe('active');
    h.clock.advance(61_000);
    const expired = await h.waitForQrEvent('qr.expired', (e) => e.data.qrId === r.body.qr.id);
    expect(expired.data).toEqual({
      qrId: r.body.qr.id,
      merchantId: s.merchantId,
      marketId: s.marketId,
      orderCode: r.body.qr.orderCode,
      amount: 120_000,
      expiresAt: r.body.qr.expiresAt,
      kind: 'dynamic',
      stallCode: s.stallCode,
      bin: '970436',
      accountNumber: expect.any(String),
      payloadHash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const stored = await waitFor(async () => {
      const g = await h.http('GET', `/qr/${r.body.qr.id}`, { token: vendorOf(s) });
      return g.body.qr.expiredAt ? g.body.qr : undefined;
    });
    expect(stored.status).toBe('expired');
    const cancel = await h.http('POST', `/qr/${r.body.qr.id}/cancel`, { token: vendorOf(s) });
    expect([cancel.status, cancel.body.error.code]).toEqual([409, 'QR.NOT_ACTIVE']);
    const list = await h.http('GET', `/stalls/${s.merchantId}/qr?kind=dynamic&status=expired`, { token: admin });
    expect(list.body).toMatchObject({ total: 1, items: [{ id: r.body.qr.id }] });
  });
});

describe('bad input gets a stable code and stores nothing', () => {
  let s: Snapshot;
  beforeAll(async () => {
    s = stall();
    await activate(s);
  });

  test.each([
    [{ amount: 0 }, 'QR.INVALID_AMOUNT'],
    [{ amount: -5_000 }, 'QR.INVALID_AMOUNT'],
    [{ amount: 10_000.5 }, 'QR.INVALID_AMOUNT'],
    [{ amount: '50000' }, 'QR.INVALID_AMOUNT'],
    [{ note: 'no amount' }, 'QR.INVALID_AMOUNT'],
    [{ amount: 500_000_000 }, 'QR.AMOUNT_TOO_LARGE'],
    [{ amount: 1e12 }, 'QR.AMOUNT_TOO_LARGE'],
    [{ amount: 5_000, ttlSeconds: 0 }, 'QR.TTL_OUT_OF_RANGE'],
    [{ amount: 5_000, ttlSeconds: 86_401 }, 'QR.TTL_OUT_OF_RANGE'],
    [{ amount: 5_000, ttlSeconds: 30.5 }, 'QR.TTL_OUT_OF_RANGE'],
    [{ amount: 5_000, ttlSeconds: '60' }, 'QR.TTL_OUT_OF_RANGE'],
    [{ amount: 5_000, note: '' }, 'QR.INVALID_NOTE'],
    [{ amount: 5_000, note: 'x'.repeat(141) }, 'QR.INVALID_NOTE'],
    [{ amount: 5_000, note: 'tab\there' }, 'QR.INVALID_NOTE'],
    [{ amount: 5_000, ttl: 60 }, 'QR.INVALID_REQUEST'],
    [[{ amount: 5_000 }], 'QR.INVALID_REQUEST'],
    ['{"amount": 5000', 'HTTP.MALFORMED_JSON'],
  ])('%j → %s', async (body, code) => {
    const before = await countQrs(s.merchantId);
    const r = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, { token: vendorOf(s), body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe(code);
    expect(await countQrs(s.merchantId)).toBe(before);
  });

  test('unknown stall, stall not yet active, unknown QR, bad query', async () => {
    const unknown = await h.http('POST', `/stalls/nope/qr/dynamic`, { token: admin, body: { amount: 5_000 } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'QR.STALL_NOT_FOUND']);

    // A stall the consumer knows but that is not active: registered, then approved (verified) only.
    const pending = stall({ status: 'verified' });
    await h.publish(updated(pending, ['vendorName']));
    await waitFor(
      async () => (await h.db.collection('merchants').findOne({ _id: pending.merchantId as never })) !== null,
    );
    const r = await h.http('POST', `/stalls/${pending.merchantId}/qr/dynamic`, {
      token: vendorOf(pending),
      body: { amount: 5_000 },
    });
    expect([r.status, r.body.error.code]).toEqual([409, 'QR.STALL_NOT_ACTIVE']);
    expect(await countQrs(pending.merchantId)).toBe(0);

    const missing = await h.http('GET', '/qr/qr_000000000000000000000000', { token: admin });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'QR.NOT_FOUND']);
    const current = (await h.http('GET', `/stalls/${s.merchantId}/qr/static`, { token: admin })).body.qr;
    const size = await h.http('GET', `/qr/${current.id}/poster.pdf?size=A4`, { token: admin });
    expect([size.status, size.body.error.code]).toEqual([400, 'QR.INVALID_QUERY']);
  });
});

describe('authorization', () => {
  let s: Snapshot;
  let qrId: string;
  beforeAll(async () => {
    s = stall();
    qrId = (await activate(s)).issued.data.qrId;
  });

  test('no token, a forged token, an expired token: 401', async () => {
    const path = `/stalls/${s.merchantId}/qr/dynamic`;
    const none = await h.http('POST', path, { body: { amount: 5_000 } });
    expect([none.status, none.body.error.code]).toEqual([401, 'AUTH.MISSING_TOKEN']);
    const forged = await h.http('POST', path, {
      token: token({ role: 'admin', sub: 'x' }, { secret: 'another-secret-another-secret-another' }),
      body: { amount: 5_000 },
    });
    expect([forged.status, forged.body.error.code]).toEqual([401, 'AUTH.INVALID_TOKEN']);
    const expired = await h.http('POST', path, {
      token: token({ role: 'admin', sub: 'x' }, { expiresIn: -60 }),
      body: { amount: 5_000 },
    });
    expect([expired.status, expired.body.error.code]).toEqual([401, 'AUTH.TOKEN_EXPIRED']);
  });

  test('a vendor of another stall and a manager of another market get 403, and nothing is stored', async () => {
    const other = stall();
    const strangers = [
      token({ role: 'vendor', sub: 'u-other', merchantId: other.merchantId, marketId: s.marketId }),
      managerOf('market-cho-lon'),
    ];
    const before = await countQrs(s.merchantId);
    for (const t of strangers) {
      for (const [method, path, body] of [
        ['POST', `/stalls/${s.merchantId}/qr/dynamic`, { amount: 5_000 }],
        ['POST', `/stalls/${s.merchantId}/qr/static`, undefined],
        ['GET', `/stalls/${s.merchantId}/qr/static`, undefined],
        ['GET', `/stalls/${s.merchantId}/qr`, undefined],
        ['GET', `/qr/${qrId}`, undefined],
        ['GET', `/qr/${qrId}/image.png`, undefined],
        ['GET', `/qr/${qrId}/poster.pdf`, undefined],
        ['POST', `/qr/${qrId}/cancel`, undefined],
      ] as const) {
        const r = await h.http(method, path, { token: t, body });
        expect([method, path, r.status, r.body.error.code]).toEqual([method, path, 403, 'AUTH.FORBIDDEN']);
      }
    }
    expect(await countQrs(s.merchantId)).toBe(before);
    const checks = await h.http('GET', '/genuine-checks?marketId=market-ben-thanh', {
      token: managerOf('market-cho-lon'),
    });
    expect([checks.status, checks.body.error.code]).toEqual([403, 'AUTH.FORBIDDEN']);
  });

  test("the market's manager and an admin may issue for the stall", async () => {
    for (const t of [managerOf(s.marketId), admin]) {
      const r = await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic`, { token: t, body: { amount: 7_000 } });
      expect(r.status).toBe(201);
    }
  });
});

test('metrics count what was issued, and the OpenAPI document lists the routes', async () => {
  await activate(stall());
  const metrics = (await h.http('GET', '/metrics')).bytes.toString();
  expect(metrics).toMatch(/qr_issued_total\{[^}]*kind="static"[^}]*via="merchant_event"[^}]*\} [1-9]/);
  expect(metrics).toContain('qr_revoked_total');
  expect(metrics).toContain('qr_expired_total');
  expect(metrics).toContain('outbox_events_published_total');
  expect(metrics).toContain('consumer_messages_total');
  const paths = Object.keys((await h.http('GET', '/openapi.json')).body.paths);
  expect(paths).toEqual(
    expect.arrayContaining([
      '/stalls/{merchantId}/qr/static',
      '/stalls/{merchantId}/qr/dynamic',
      '/qr/{qrId}/cancel',
      '/qr/{qrId}/poster.pdf',
      '/qr/verify',
      '/genuine-checks',
    ]),
  );
});
