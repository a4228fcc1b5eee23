import { specsMissingFrom } from '@marketqr/test-harness';
/**
 * Routes as data: the OpenAPI document the service serves is derived from the route specs in @marketqr/contracts
 * (request and response schemas included), and what the service really answers matches the specs' response schemas
 * (handlers are typed against them; this checks the values too, e.g. timestamps in ISO form).
 */
import { qrGenerationRoutes, conforms } from '@marketqr/contracts';
import { activated, startQrService, stall, type Harness, vendorOf, adminToken } from './support';

let h: Harness;

beforeAll(async () => {
  h = await startQrService();
});

afterAll(async () => {
  await h?.stop();
});

const admin = adminToken();

describe('the OpenAPI document is derived from the route specs', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON document walked by path
  let doc: any;
  beforeAll(async () => {
    doc = (await h.http('GET', '/openapi.json')).body;
  });

  test('every spec is an operation of the document', () => {
    expect(specsMissingFrom(doc, qrGenerationRoutes)).toEqual([]);
  });

  test('the dynamic QR: the body it reads, the answer it gives, its error codes', () => {
    const op = doc.paths['/stalls/{merchantId}/qr/dynamic'].post;
    const body = op.requestBody.content['application/json'].schema;
    expect(body).toMatchObject({
      type: 'object',
      required: ['amount'],
      additionalProperties: false,
      properties: { amount: { type: 'integer', minimum: 1, maximum: 499_999_999 } },
    });
    expect(body.properties.note).toBeDefined();
    expect(body.properties.ttlSeconds).toBeDefined();
    const answer = op.responses['201'].content['application/json'].schema;
    expect(answer.required).toContain('qr');
    expect(answer.properties.qr.properties.payload).toMatchObject({ type: 'string' });
    expect(answer.properties.qr.properties.amount).toBeDefined();
    expect(op.responses['400']['x-error-codes']).toEqual(
      expect.arrayContaining(['QR.INVALID_AMOUNT', 'QR.AMOUNT_TOO_LARGE', 'QR.INVALID_IMAGE_OPTION']),
    );
    expect(op.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'merchantId', in: 'path', required: true }),
        expect.objectContaining({ name: 'image', in: 'query', required: false }),
      ]),
    );
    expect(op.security).toEqual([{ bearer: [] }]);
  });

  test('list and image routes carry their query; binary answers say their media type', () => {
    const list = doc.paths['/stalls/{merchantId}/qr'].get;
    const names = list.parameters.filter((p: { in: string }) => p.in === 'query').map((p: { name: string }) => p.name);
    expect(names).toEqual(['page', 'pageSize', 'kind', 'status']);
    expect(list.responses['200'].content['application/json'].schema.properties.items.type).toBe('array');
    const png = doc.paths['/qr/{qrId}/image.png'].get;
    expect(png.responses['200'].content['image/png']).toBeDefined();
    const verify = doc.paths['/qr/verify'].post;
    expect(Object.keys(verify.requestBody.content)).toEqual(
      expect.arrayContaining(['application/json', 'image/png', 'multipart/form-data']),
    );
    expect(verify.security).toBeUndefined();
  });
});

describe('what the service answers matches the specs', () => {
  test('posters, dynamic QRs, lists, the genuine check and its report', async () => {
    const s = stall();
    await h.publish(activated(s));
    await h.waitForQrEvent('qr.issued', (e) => e.data.merchantId === s.merchantId, `poster of ${s.merchantId}`);
    const vendor = vendorOf(s);
    const r = qrGenerationRoutes;
    const current = conforms(
      r.currentPoster,
      await h.http('GET', `/stalls/${s.merchantId}/qr/static`, { token: vendor }),
    );
    expect(current.qr.links.posterPdf).toBeDefined();

    conforms(r.reissuePoster, await h.http('POST', `/stalls/${s.merchantId}/qr/static`, { token: vendor }));
    const issued = conforms(
      r.issueDynamicQr,
      await h.http('POST', `/stalls/${s.merchantId}/qr/dynamic?image=svg`, {
        token: vendor,
        body: { amount: 45_000, note: 'rau muống' },
      }),
    );
    expect(issued.image?.svgDataUrl).toMatch(/^data:image\/svg\+xml/);
    conforms(r.getQr, await h.http('GET', `/qr/${issued.qr.id}`, { token: vendor }));
    conforms(r.listStallQrs, await h.http('GET', `/stalls/${s.merchantId}/qr?pageSize=5`, { token: vendor }));

    const check = conforms(
      r.verifyQr,
      await h.http('POST', '/qr/verify?marketId=market-ben-thanh', { body: { payload: issued.qr.payload } }),
    );
    expect(check.verdict).toBe('GENUINE');
    conforms(r.cancelQr, await h.http('POST', `/qr/${issued.qr.id}/cancel`, { token: vendor }));

    // A cancelled QR checks as REVOKED: flagged, so stored, reportable and listed.
    const flagged = conforms(r.verifyQr, await h.http('POST', '/qr/verify', { body: { payload: issued.qr.payload } }));
    expect(flagged.checkId).toEqual(expect.any(String));
    conforms(r.reportCheck, await h.http('POST', `/qr/checks/${flagged.checkId}/report`));
    const listed = conforms(
      r.listGenuineChecks,
      await h.http('GET', `/genuine-checks?marketId=${s.marketId}&verdict=REVOKED`, { token: admin }),
    );
    expect(listed.items.length).toBeGreaterThan(0);
  });
});
