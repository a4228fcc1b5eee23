import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { Request, Response } from 'express';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * A response body known at start (the bundle, the stylesheet, the pages, the manifest, the service worker), with its
 * compressed forms made once: a phone on a market's 3G pays for every byte of app.js, and compressing per request would
 * spend the server's CPU on the same bytes again and again.
 */
export interface Asset {
  body: Buffer;
  type: string;
  /** Content hash of the uncompressed body: the ETag (with the encoding) and the `?v=` of versioned URLs. */
  hash: string;
  gzip?: Buffer;
  br?: Buffer;
}

/** Below about one packet, compression saves nothing a phone would notice. */
const MIN_COMPRESS_BYTES = 1024;

export function hashOf(body: string | Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/**
 * A text asset with its gzip (level 9) and brotli (quality 11, text mode) forms, each kept only when smaller.
 * `binary` is for compressible binaries (the QR reader's WebAssembly, ~1 MB): brotli in generic mode at quality 9,
 * which compresses it nearly as well as 11 in a fraction of the start-up time.
 */
export async function textAsset(body: string | Buffer, type: string, binary = false): Promise<Asset> {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const asset: Asset = { body: buf, type, hash: hashOf(buf) };
  if (buf.length < MIN_COMPRESS_BYTES) return asset;
  const [gz, br] = await Promise.all([
    gzipAsync(buf, { level: 9 }),
    brotliAsync(buf, {
      params: {
        [constants.BROTLI_PARAM_MODE]: binary ? constants.BROTLI_MODE_GENERIC : constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_QUALITY]: binary ? 9 : constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }),
  ]);
  if (gz.length < buf.length) asset.gzip = gz;
  if (br.length < buf.length) asset.br = br;
  return asset;
}

/** A binary asset (PNG icons): already compressed, sent as it is. */
export function binaryAsset(body: Buffer, type: string): Asset {
  return { body, type, hash: hashOf(body) };
}

type Encoding = 'br' | 'gzip';

/**
 * The encoding to send for an `Accept-Encoding` header (RFC 9110 §12.5.3): brotli, then gzip, among those the client
 * accepts with q > 0 (by name or through `*`); none when it accepts neither.
 */
export function pickEncoding(header: string | undefined, available: Encoding[]): Encoding | null {
  if (!header || available.length === 0) return null;
  const q = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  for (const enc of ['br', 'gzip'] as const) {
    if (!available.includes(enc)) continue;
    const weight = q.get(enc) ?? q.get('*') ?? 0;
    if (weight > 0) return enc;
  }
  return null;
}

/**
 * Sends an asset in the best encoding the request accepts. `Vary: Accept-Encoding` on every answer of an asset that has
 * compressed forms, so a shared cache never gives a gzip body to a client that did not ask for it; the ETag names the
 * encoding, since the bytes differ.
 */
export function sendAsset(req: Request, res: Response, asset: Asset, cacheControl: string): void {
  const available: Encoding[] = [];
  if (asset.br) available.push('br');
  if (asset.gzip) available.push('gzip');
  if (available.length) res.vary('Accept-Encoding');
  const enc = pickEncoding(req.get('accept-encoding'), available);
  const body = enc === 'br' ? asset.br! : enc === 'gzip' ? asset.gzip! : asset.body;
  if (enc) res.set('Content-Encoding', enc);
  res
    .set('Cache-Control', cacheControl)
    .set('ETag', `"${asset.hash}${enc ? `-${enc}` : ''}"`)
    .type(asset.type)
    .send(body);
}
