/**
 * QR photo reading: the genuine check's reader (ZXing-C++ as WebAssembly, from the zxing-wasm package) against jsQR 1.4
 * on the project's own degraded photo set (qr-generation's photo-set.ts), per kind of damage, and the time to read a
 * 12-megapixel phone photo through the same path POST /qr/verify takes. Writes bench/results/photos.{json,md} and the
 * photos themselves to bench/photos/ (git-ignored) to look at. Runs alone: `pnpm bench -- --only photos`, or
 * `node bench/dist/photos.js [--quick]` after a build. Needs no infrastructure.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { decodeForReading, READ_MAX_SIDE } from '@marketqr/qr-generation/dist/genuine-check/image-decode';
import { bigPhoto, DAMAGE_KINDS, photoSet } from '@marketqr/qr-generation/dist/genuine-check/photo-set';
import {
  loadZxing,
  readWithJsqr,
  readWithZxing,
  ZXING_WASM_VERSION,
} from '@marketqr/qr-generation/dist/genuine-check/qr-reader';
import { repoRoot } from '@marketqr/test-harness';
import { fmt, mdTable, summarise, writeResults } from './support';

const JSQR_VERSION: string = require('jsqr/package.json').version;

interface KindResult {
  kind: string;
  photos: number;
  zxing: number;
  jsqr: number;
  /** Read by jsQR and not by ZXing: what keeping jsQR as a fallback would add. */
  jsqrOnly: number;
  zxingMs: number[];
  jsqrMs: number[];
  misses: string[];
  /** Read by ZXing-C++'s own Python package, when it is installed (see zxingCpp). */
  zxingCpp?: number;
}

/**
 * The same photos through ZXing-C++'s Python package (zxing-cpp on PyPI), the reader the issue's outside set was
 * measured with: file → text, or null when `import zxingcpp` fails (the bench then says it had no such column).
 * ZXING_CPP_PYTHON names the interpreter (a venv with `pip install zxing-cpp pillow`); default python3.
 */
function zxingCpp(dir: string): Record<string, string | null> | null {
  const python = process.env.ZXING_CPP_PYTHON ?? 'python3';
  const script = join(repoRoot, 'bench/scripts/zxing_cpp_read.py');
  const r = spawnSync(python, [script, dir], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) return null;
  return JSON.parse(r.stdout) as Record<string, string | null>;
}

const ms = (t0: number) => performance.now() - t0;

export async function photoBench(opts: { perKind: number; bigPhotos: number }) {
  const started = new Date();
  const dir = join(repoRoot, 'bench/photos');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await loadZxing();
  const kinds = new Map<string, KindResult>();
  const expected = new Map<string, { kind: string; payload: string }>();
  for (const photo of photoSet({ perKind: opts.perKind })) {
    expected.set(`${photo.id}.jpg`, { kind: photo.kind, payload: photo.payload });
    writeFileSync(join(dir, `${photo.id}.jpg`), photo.jpeg);
    const img = await decodeForReading(photo.jpeg, 50_000_000);
    let t0 = performance.now();
    const z = await readWithZxing(img);
    const zMs = ms(t0);
    t0 = performance.now();
    const j = readWithJsqr(img);
    const jMs = ms(t0);
    const k = kinds.get(photo.kind) ?? {
      kind: photo.kind,
      photos: 0,
      zxing: 0,
      jsqr: 0,
      jsqrOnly: 0,
      zxingMs: [],
      jsqrMs: [],
      misses: [],
    };
    k.photos++;
    if (z === photo.payload) k.zxing++;
    else k.misses.push(`${photo.id} (${photo.codePx} px, ${photo.params})`);
    if (j === photo.payload) k.jsqr++;
    if (j === photo.payload && z !== photo.payload) k.jsqrOnly++;
    k.zxingMs.push(zMs);
    k.jsqrMs.push(jMs);
    kinds.set(photo.kind, k);
    process.stdout.write(`[bench] photos: ${photo.id} zxing ${z === photo.payload ? 'read' : 'MISSED'}\n`);
  }

  const cpp = zxingCpp(dir);
  if (cpp) {
    for (const k of kinds.values()) k.zxingCpp = 0;
    for (const [file, text] of Object.entries(cpp)) {
      const e = expected.get(file);
      if (e && text === e.payload) kinds.get(e.kind)!.zxingCpp! += 1;
    }
  }

  // 12 MP: decode (shrunk while decoding), then read, as POST /qr/verify does, each stage timed.
  const big: { decodeMs: number; readMs: number; totalMs: number; read: boolean }[] = [];
  for (let i = 0; i < opts.bigPhotos; i++) {
    const photo = bigPhoto(1_000 + i);
    let t0 = performance.now();
    const small = await decodeForReading(photo.jpeg, 12_000_000);
    const decodeMs = ms(t0);
    t0 = performance.now();
    const text = await readWithZxing(small);
    const readMs = ms(t0);
    big.push({ decodeMs, readMs, totalMs: decodeMs + readMs, read: text === photo.payload });
  }

  const rows = DAMAGE_KINDS.map((kind) => kinds.get(kind)!);
  const total = rows.reduce(
    (a, k) => ({
      photos: a.photos + k.photos,
      zxing: a.zxing + k.zxing,
      jsqr: a.jsqr + k.jsqr,
      only: a.only + k.jsqrOnly,
      cpp: a.cpp + (k.zxingCpp ?? 0),
    }),
    { photos: 0, zxing: 0, jsqr: 0, only: 0, cpp: 0 },
  );
  const pct = (n: number, of: number) => `${fmt((100 * n) / of)} %`;
  const allZ = summarise(rows.flatMap((k) => k.zxingMs));
  const allJ = summarise(rows.flatMap((k) => k.jsqrMs));
  const st = (key: 'decodeMs' | 'readMs' | 'totalMs') => summarise(big.map((b) => b[key]));
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
  const md = [
    `# QR photo reading (${started.toISOString()})`,
    '',
    `Machine: ${machine} (shared with other work while measured: times are an upper bound).`,
    '',
    `${total.photos} photos, ${opts.perKind} per kind of damage, generated from seed 17 by services/qr-generation/src/genuine-check/photo-set.ts: half of them A6 posters rendered by qr-generation's own renderer (static VietQR payloads), half plain codes (dynamic VietQR with an amount and template 64, or another EMVCo payload). Each is placed in a 960×720 frame on a stall background with a slight tilt and sensor noise, then damaged one way; saved as JPEG (quality 85 unless the damage is the compression). A read counts only when it gives back exactly the payload. The photos are in bench/photos/ after a run.`,
    '',
    mdTable(
      [
        'damage',
        'photos',
        `ZXing-C++ (zxing-wasm ${ZXING_WASM_VERSION})`,
        `jsQR ${JSQR_VERSION}`,
        'jsQR reads ZXing misses',
        'ZXing, then jsQR (what POST /qr/verify does)',
        ...(cpp ? ['ZXing-C++ Python (zxing-cpp)'] : []),
      ],
      [
        ...rows.map((k) => [
          k.kind,
          k.photos,
          `${k.zxing} (${pct(k.zxing, k.photos)})`,
          `${k.jsqr} (${pct(k.jsqr, k.photos)})`,
          k.jsqrOnly,
          `${k.zxing + k.jsqrOnly} (${pct(k.zxing + k.jsqrOnly, k.photos)})`,
          ...(cpp ? [`${k.zxingCpp} (${pct(k.zxingCpp ?? 0, k.photos)})`] : []),
        ]),
        [
          '**all**',
          total.photos,
          `**${total.zxing} (${pct(total.zxing, total.photos)})**`,
          `**${total.jsqr} (${pct(total.jsqr, total.photos)})**`,
          total.only,
          `**${total.zxing + total.only} (${pct(total.zxing + total.only, total.photos)})**`,
          ...(cpp ? [`**${total.cpp} (${pct(total.cpp, total.photos)})**`] : []),
        ],
      ],
    ),
    '',
    `Read time on these 960×720 photos, decoded pixels in: ZXing p50 ${fmt(allZ.p50)} ms, p95 ${fmt(allZ.p95)} ms, max ${fmt(allZ.max)} ms; jsQR p50 ${fmt(allJ.p50)} ms, p95 ${fmt(allJ.p95)} ms, max ${fmt(allJ.max)} ms (jsQR is slowest on the photos it fails).`,
    '',
    cpp
      ? `The last column is ZXing-C++'s own Python package (zxing-cpp on PyPI, the reader the issue's outside set was measured with), run on the same JPEG files with its defaults and QR only (bench/scripts/zxing_cpp_read.py). MarketQR's column is the same C++ library compiled to WebAssembly, with tryDenoise on as well.`
      : `ZXing-C++'s own Python package (zxing-cpp on PyPI) was not importable (set ZXING_CPP_PYTHON to a Python with \`pip install zxing-cpp pillow\`), so it has no column in this run.`,
    '',
    `## A 12-megapixel photo (4000×3000 JPEG of a poster), through POST /qr/verify's path: decode with sharp (libvips), shrunk while decoding to at most ${READ_MAX_SIDE} px on the long side, then read`,
    '',
    mdTable(
      ['stage', 'p50 ms', 'max ms'],
      (['decodeMs', 'readMs', 'totalMs'] as const).map((key) => [
        key.replace('Ms', ''),
        fmt(st(key).p50),
        fmt(st(key).max),
      ]),
    ),
    '',
    `${big.filter((b) => b.read).length} of ${big.length} read.`,
    '',
    ...(rows.some((k) => k.misses.length)
      ? ['ZXing misses:', '', ...rows.flatMap((k) => k.misses.map((m) => `- ${m}`)), '']
      : []),
  ].join('\n');
  const json = {
    started,
    machine,
    perKind: opts.perKind,
    kinds: rows.map(({ zxingMs, jsqrMs, ...k }) => ({ ...k, zxingMs: summarise(zxingMs), jsqrMs: summarise(jsqrMs) })),
    total,
    big,
  };
  writeResults('photos', json, md);
  return md;
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  photoBench({ perKind: quick ? 6 : 24, bigPhotos: quick ? 2 : 5 })
    .then((md) => process.stdout.write(`\n${md}\n[bench] written to bench/results/photos.json and photos.md\n`))
    .catch((err) => {
      process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
      process.exit(1);
    });
}
