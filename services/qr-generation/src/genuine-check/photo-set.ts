/**
 * The project's own set of badly taken photos of its posters and plain VietQR/EMVCo codes, made in code: the genuine
 * check's reader is measured on it (pnpm bench, bench/results/photos.md) and held to its rates by photo-set.test.ts.
 * Everything is drawn from one seed, so the set is the same on every machine and every run; nothing is committed as an
 * image. Each photo is one kind of damage (plus the slight tilt and sensor noise any hand-held photo has), at a
 * severity drawn from that kind's range, so a rate per kind says which damage a reader loses on.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { mulberry32 } from '@marketqr/service-kit';
import { BANKS, encodeEmvco, encodeVietQr, renderPng } from '@marketqr/vietqr';
import { staticPayload } from '../domain/payload';
import type { PosterText } from '../domain/model';
import { buildPosterLayout } from '../images/poster-layout';
import { renderPosterPng } from '../images/poster-svg';

export const DAMAGE_KINDS = [
  'clean',
  'rotation',
  'perspective',
  'blur',
  'jpeg',
  'low-light',
  'glare',
  'noise',
  'label',
  'small',
] as const;
export type DamageKind = (typeof DAMAGE_KINDS)[number];

export interface Photo {
  id: string;
  kind: DamageKind;
  /** What the QR says: a read is right only when it gives exactly this. */
  payload: string;
  /** The photo as a phone would send it: JPEG (quality 85 unless the damage is the compression itself). */
  jpeg: Buffer;
  width: number;
  height: number;
  /** The QR's width in the photo, in pixels (before perspective), and what was done, for the report. */
  codePx: number;
  params: string;
}

const VENDORS = [
  'Nguyễn Thị Hoa',
  'Trần Văn Bảy',
  'Lê Thị Mỹ Dung',
  'Phạm Quốc Hùng',
  'Võ Thị Lan Anh',
  'Đặng Minh Tú',
];
const MARKETS = ['Chợ Bến Thành', 'Chợ Đồng Xuân', 'Chợ Hàn', 'Chợ Cái Răng', 'Chợ Đầm', 'Chợ Tân Định'];
const CITIES = ['Hồ Chí Minh', 'Hà Nội', 'Đà Nẵng', 'Cần Thơ', 'Nha Trang', 'Hồ Chí Minh'];

interface Source {
  payload: string;
  img: { data: Uint8Array; width: number; height: number };
  /** Where the QR symbol (without its quiet zone) is in the source image, in pixels, and its width in modules. */
  qr: { x: number; y: number; size: number; modules: number };
}

/** A stall's printed poster, rendered by the project's own renderer (the same PNG the vendor downloads). */
function posterSource(i: number, r: () => number, given?: string): Source {
  const bank = BANKS[Math.floor(r() * Math.min(BANKS.length, 30))]!;
  const text: PosterText = {
    vendorName: VENDORS[i % VENDORS.length]!,
    stallCode: `${'ABCDEF'[i % 6]}-${String(1 + Math.floor(r() * 300)).padStart(3, '0')}`,
    marketName: MARKETS[i % MARKETS.length]!,
    zone: `Khu ${'ABCD'[i % 4]} – Rau củ`,
    bankShortName: bank.shortName,
    holderName: 'NGUYEN THI HOA',
    accountNumber: String(9_000_000_000 + Math.floor(r() * 999_999_999)),
    city: CITIES[i % CITIES.length]!,
  };
  const posterSerial = `PS${Math.floor(r() * 36 ** 8)
    .toString(36)
    .toUpperCase()
    .padStart(8, '0')}`;
  const payload =
    given ??
    staticPayload({
      merchant: text,
      account: { bin: bank.bin, accountNumber: text.accountNumber },
      city: text.city,
      posterSerial,
    });
  const layout = buildPosterLayout({ ...text, payload, posterSerial }, 'A6');
  const dpi = 110; // the QR comes out ~6 px a module: enough for the largest code in a photo
  const png = PNG.sync.read(renderPosterPng(layout, dpi));
  const op = layout.ops.find((o) => o.t === 'qr');
  if (op?.t !== 'qr') throw new Error('the poster has no QR');
  const k = png.width / layout.width;
  return { payload, img: png, qr: { x: op.x * k, y: op.y * k, size: op.size * k, modules: op.matrix.size } };
}

/** A plain code as a bank app or a printed sticker shows it: dynamic VietQR with an amount, or another EMVCo payload. */
function plainSource(i: number, r: () => number): Source {
  const bank = BANKS[Math.floor(r() * Math.min(BANKS.length, 30))]!;
  const payload =
    i % 3 === 2
      ? encodeEmvco([
          { id: '00', value: '01' },
          { id: '01', value: '12' },
          {
            id: '26',
            value: [
              { id: '00', value: 'A000000677010111' },
              { id: '01', value: `00669${String(10_000_000 + Math.floor(r() * 89_999_999))}` },
            ],
          },
          { id: '52', value: '5411' },
          { id: '53', value: '764' },
          { id: '54', value: String(20 + Math.floor(r() * 900)) },
          { id: '58', value: 'TH' },
          { id: '59', value: 'MARKET STALL' },
          { id: '60', value: 'BANGKOK' },
        ])
      : encodeVietQr({
          bin: bank.bin,
          accountNumber: String(100_000_000 + Math.floor(r() * 899_999_999)),
          amount: 1_000 * (5 + Math.floor(r() * 500)),
          purpose: `MQ${Math.floor(r() * 1e8)}`,
          merchantName: 'NGUYEN VAN AN',
          merchantCity: 'HA NOI',
          alternateLanguage: { name: VENDORS[i % VENDORS.length]!, city: 'Hà Nội' },
        });
  const scale = 6;
  const margin = 4;
  const png = PNG.sync.read(renderPng(payload, { scale, margin }));
  const size = png.width - 2 * margin * scale;
  return { payload, img: png, qr: { x: margin * scale, y: margin * scale, size, modules: size / scale } };
}

/** The 3×3 homography taking the four `from` points to the four `to` points (a direct linear solve). */
function homography(from: number[][], to: number[][]): number[] {
  const a: number[][] = [];
  for (let i = 0; i < 4; i++) {
    const [x, y] = from[i]!;
    const [u, v] = to[i]!;
    a.push([x!, y!, 1, 0, 0, 0, -u! * x!, -u! * y!, u!]);
    a.push([0, 0, 0, x!, y!, 1, -v! * x!, -v! * y!, v!]);
  }
  for (let c = 0; c < 8; c++) {
    let p = c;
    for (let r = c + 1; r < 8; r++) if (Math.abs(a[r]![c]!) > Math.abs(a[p]![c]!)) p = r;
    [a[c], a[p]] = [a[p]!, a[c]!];
    for (let r = 0; r < 8; r++) {
      if (r === c) continue;
      const f = a[r]![c]! / a[c]![c]!;
      for (let k = c; k < 9; k++) a[r]![k]! -= f * a[c]![k]!;
    }
  }
  return [...a.map((row, i) => row[8]! / row[i]!), 1];
}

/** Separable box blur three times over: close to a Gaussian of this sigma, in linear time. */
function blur(f: Float32Array, w: number, h: number, sigma: number): void {
  // Three passes of a box 2r+1 wide have a variance of r(r+1).
  const r = Math.max(1, Math.round((Math.sqrt(1 + 4 * sigma * sigma) - 1) / 2));
  const tmp = new Float32Array(Math.max(w, h));
  for (let pass = 0; pass < 3; pass++) {
    for (const [n, m, stride, step] of [
      [w, h, 1, w],
      [h, w, w, 1],
    ] as const) {
      for (let line = 0; line < m; line++) {
        for (let ch = 0; ch < 3; ch++) {
          const base = line * step;
          let sum = 0;
          for (let i = -r; i <= r; i++) sum += f[(base + Math.min(n - 1, Math.max(0, i)) * stride) * 3 + ch]!;
          for (let i = 0; i < n; i++) {
            tmp[i] = sum / (2 * r + 1);
            const add = Math.min(n - 1, i + r + 1);
            const sub = Math.max(0, i - r);
            sum += f[(base + add * stride) * 3 + ch]! - f[(base + sub * stride) * 3 + ch]!;
          }
          for (let i = 0; i < n; i++) f[(base + i * stride) * 3 + ch] = tmp[i]!;
        }
      }
    }
  }
}

/** About a standard normal draw (Irwin–Hall of four uniforms): cheap enough for every pixel of every photo. */
function gauss(r: () => number): number {
  return (r() + r() + r() + r() - 2) * Math.sqrt(3);
}

const between = (r: () => number, lo: number, hi: number) => lo + (hi - lo) * r();

/**
 * One photo of `src`: the QR `codePx` wide, turned by `angle`, its far side shrunk by `tilt` (perspective), placed in a
 * `w`×`h` frame on a cluttered stall background, then damaged in the order light goes through a phone: scene (label,
 * glare, light) → lens (blur) → sensor (noise) → encoder (JPEG).
 */
export function photograph(
  src: Source,
  r: () => number,
  o: {
    w: number;
    h: number;
    codePx: number;
    angle: number;
    tilt?: number;
    blur?: number;
    light?: number;
    glare?: number;
    noise?: number;
    label?: number;
    quality?: number;
  },
): Buffer {
  const { w, h } = o;
  const k = o.codePx / src.qr.size;
  const sw = src.img.width * k;
  const sh = src.img.height * k;
  // The QR's centre lands near the frame's centre: a shopper aims at it.
  const qcx = (src.qr.x + src.qr.size / 2) * k;
  const qcy = (src.qr.y + src.qr.size / 2) * k;
  const cx = w / 2 + between(r, -0.1, 0.1) * w;
  const cy = h / 2 + between(r, -0.1, 0.1) * h;
  const cos = Math.cos(o.angle);
  const sin = Math.sin(o.angle);
  const tilt = o.tilt ?? 0;
  const corners = [
    [0, 0],
    [sw, 0],
    [sw, sh],
    [0, sh],
  ].map(([x, y]) => {
    // Perspective: the top edge is further away, so it is narrower (and the whole sheet a little shorter).
    const t = (y! / sh) * 1 + (1 - y! / sh) * (1 - tilt);
    const px = qcx + (x! - qcx) * t;
    const py = qcy + (y! - qcy) * (1 - tilt * 0.4);
    const dx = px - qcx;
    const dy = py - qcy;
    return [cx + dx * cos - dy * sin, cy + dx * sin + dy * cos];
  });
  const H = homography(corners, [
    [0, 0],
    [src.img.width, 0],
    [src.img.width, src.img.height],
    [0, src.img.height],
  ]);
  const f = new Float32Array(w * h * 3);
  // Background: a dim, uneven stall (wood, tarpaulin) with large soft patches, so the paper stands out as it does.
  const bg = [between(r, 60, 140), between(r, 50, 120), between(r, 40, 100)];
  const phase = r() * 10;
  const sd = src.img.data;
  const SW = src.img.width;
  const SH = src.img.height;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const d = H[6]! * x + H[7]! * y + 1;
      const u = (H[0]! * x + H[1]! * y + H[2]!) / d;
      const v = (H[3]! * x + H[4]! * y + H[5]!) / d;
      const i = (y * w + x) * 3;
      if (u >= 0 && v >= 0 && u < SW - 1 && v < SH - 1) {
        const u0 = Math.floor(u);
        const v0 = Math.floor(v);
        const fu = u - u0;
        const fv = v - v0;
        const p = (v0 * SW + u0) * 4;
        for (let c = 0; c < 3; c++) {
          const top = sd[p + c]! * (1 - fu) + sd[p + 4 + c]! * fu;
          const bot = sd[p + SW * 4 + c]! * (1 - fu) + sd[p + SW * 4 + 4 + c]! * fu;
          f[i + c] = top * (1 - fv) + bot * fv;
        }
      } else {
        const wave = 0.8 + 0.2 * Math.sin(x / 37 + phase) * Math.cos(y / 53 - phase);
        for (let c = 0; c < 3; c++) f[i + c] = bg[c]! * wave;
      }
    }
  }
  // A price label or a strip of tape stuck over part of the code (in the frame, so it turns with the photo).
  if (o.label) {
    const side = o.codePx * Math.sqrt(o.label);
    const lw = side * between(r, 1, 1.6);
    const lh = (o.codePx * o.codePx * o.label) / lw;
    // Somewhere over the code, off its centre: over the middle, or across an edge, as tape ends up.
    const lx = cx + between(r, -0.35, 0.35) * o.codePx - lw / 2;
    const ly = cy + between(r, -0.35, 0.35) * o.codePx - lh / 2;
    const shade = between(r, 200, 250);
    for (let y = Math.max(0, Math.floor(ly)); y < Math.min(h, ly + lh); y++)
      for (let x = Math.max(0, Math.floor(lx)); x < Math.min(w, lx + lw); x++)
        for (let c = 0; c < 3; c++) f[(y * w + x) * 3 + c] = shade - c * 8;
  }
  // Glare: a lamp's reflection on laminated paper, a bright spot that washes modules out towards white.
  if (o.glare) {
    const gx = cx + between(r, -0.3, 0.3) * o.codePx;
    const gy = cy + between(r, -0.3, 0.3) * o.codePx;
    const gr = o.codePx * between(r, 0.18, 0.3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const d2 = ((x - gx) ** 2 + (y - gy) ** 2) / (gr * gr);
        if (d2 > 9) continue;
        const g = o.glare * 255 * Math.exp(-d2);
        for (let c = 0; c < 3; c++) f[(y * w + x) * 3 + c] = f[(y * w + x) * 3 + c]! + g;
      }
  }
  if (o.blur) blur(f, w, h, o.blur);
  // Light: exposure and an uneven falloff across the frame (vignetting); low light is a dark, flat picture.
  const light = o.light ?? 1;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const vig = 1 - 0.35 * (((x - w / 2) / w) ** 2 + ((y - h / 2) / h) ** 2) * 2;
      for (let c = 0; c < 3; c++) f[(y * w + x) * 3 + c] = f[(y * w + x) * 3 + c]! * light * vig;
    }
  const noise = o.noise ?? 3;
  const rgba = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    // Sensor noise is mostly in brightness, some in colour.
    const n = gauss(r) * noise;
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.max(0, Math.min(255, f[p * 3 + c]! + n + (r() - 0.5) * noise));
    rgba[p * 4 + 3] = 255;
  }
  return jpeg.encode({ data: rgba, width: w, height: h }, o.quality ?? 85).data;
}

/** How each kind is damaged, by draw: the severities run from what a careful shopper sends to what a hurried one does. */
function damage(kind: DamageKind, r: () => number): Parameters<typeof photograph>[2] {
  const base = {
    w: 960,
    h: 720,
    codePx: Math.round(between(r, 180, 380)),
    angle: between(r, -0.12, 0.12),
    tilt: between(r, 0, 0.08),
  };
  switch (kind) {
    case 'clean':
      return base;
    case 'rotation':
      return { ...base, angle: between(r, 0, 2 * Math.PI) };
    case 'perspective':
      return { ...base, tilt: between(r, 0.3, 0.6), angle: between(r, -0.6, 0.6) };
    case 'blur':
      // In module widths (photoSet turns it into pixels): past about half a module a symbol's modules merge.
      return { ...base, blur: between(r, 0.2, 0.45) };
    case 'jpeg':
      return { ...base, quality: Math.round(between(r, 4, 15)) };
    case 'low-light':
      return { ...base, light: between(r, 0.1, 0.25), noise: between(r, 3, 8) };
    case 'glare':
      return { ...base, glare: between(r, 0.8, 1.6) };
    case 'noise':
      return { ...base, noise: between(r, 25, 55) };
    case 'label':
      return { ...base, label: between(r, 0.06, 0.14) };
    case 'small':
      return { ...base, codePx: Math.round(between(r, 60, 110)) };
  }
}

/**
 * `perKind` photos of each kind of damage, half of posters and half of plain codes, all from `seed`. Photo n of a kind
 * is the same whatever `perKind` is, so the test's small subset is the start of the bench's full set.
 */
export function* photoSet(opts: { perKind: number; seed?: number; kinds?: readonly DamageKind[] }): Generator<Photo> {
  const seed = opts.seed ?? 17;
  for (const kind of opts.kinds ?? DAMAGE_KINDS) {
    const ki = DAMAGE_KINDS.indexOf(kind);
    for (let n = 0; n < opts.perKind; n++) {
      const r = mulberry32(seed * 1_000_003 + ki * 10_007 + n);
      const src = n % 2 === 0 ? posterSource(n, r) : plainSource(n, r);
      const d = damage(kind, r);
      const jpegBytes = photograph(src, r, { ...d, blur: d.blur && (d.blur * d.codePx) / src.qr.modules });
      const { w, h, codePx, ...rest } = d;
      const params = Object.entries(rest)
        .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toFixed(2)) : v}${k === 'blur' ? ' modules' : ''}`)
        .join(' ');
      yield { id: `${kind}-${n}`, kind, payload: src.payload, jpeg: jpegBytes, width: w, height: h, codePx, params };
    }
  }
}

/**
 * A photo of a poster carrying `payload` (a stall's real one, in the browser test), damaged as `kind`, as RGBA pixels
 * and as a JPEG: the test turns the pixels into a fake camera's video and uploads the JPEG.
 */
export function photoOf(
  payload: string,
  kind: DamageKind,
  seed: number,
  size: { w: number; h: number } = { w: 960, h: 720 },
): { jpeg: Buffer; rgba: Uint8Array; width: number; height: number } {
  const r = mulberry32(seed);
  const src = posterSource(seed, r, payload);
  const d = damage(kind, r);
  const scale = Math.min(size.w / d.w, size.h / d.h);
  const jpegBytes = photograph(src, r, {
    ...d,
    w: size.w,
    h: size.h,
    codePx: Math.round(d.codePx * scale),
    blur: d.blur && (d.blur * d.codePx * scale) / src.qr.modules,
  });
  const img = jpeg.decode(jpegBytes, { useTArray: true, formatAsRGBA: true });
  return { jpeg: jpegBytes, rgba: img.data, width: img.width, height: img.height };
}

/** A 12-megapixel phone photo (4000×3000) of a poster, for the bench's timing: the set's photos are small to be fast. */
export function bigPhoto(seed: number): Photo {
  const r = mulberry32(seed);
  const src = posterSource(seed, r);
  const d = { w: 4000, h: 3000, codePx: Math.round(between(r, 700, 1400)), angle: between(r, -0.2, 0.2), tilt: 0.1 };
  return {
    id: `12mp-${seed}`,
    kind: 'clean',
    payload: src.payload,
    jpeg: photograph(src, r, d),
    width: d.w,
    height: d.h,
    codePx: d.codePx,
    params: '',
  };
}
