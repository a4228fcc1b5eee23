/**
 * Throughput of this codec beside two popular npm packages, on the same inputs, in one process:
 *   vietnam-qr-pay (VietQR and VNPAY-QR encode/decode) and promptparse (generic EMVCo TLV parse/build, PromptPay).
 * Neither renders images, so the PNG rows compare our renderer with qrcode's own PNG writer on the same payloads.
 * Run: pnpm --filter @marketqr/vietqr bench. Writes bench/results/vietqr.{json,md} at the repository root.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encode as ppEncode, parse as ppParse, tag as ppTag, withCrcTag } from 'promptparse';
import QRCode from 'qrcode';
import { QRPay } from 'vietnam-qr-pay';
import { BANKS, decodeQr, encodeVietQr, renderPng, renderSvg, type VietQrInput } from '../src/index';

const RUN_MS = Number(process.env.BENCH_MS ?? 1500);

// Deterministic inputs: the fields all three encoders accept (BIN, account, amount, purpose), half static.
let seed = 42;
const rand = (n: number): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
};
const INPUTS: VietQrInput[] = Array.from({ length: 64 }, (_, i) => {
  const x: VietQrInput = {
    bin: (BANKS[rand(BANKS.length)] as { bin: string }).bin,
    accountNumber: String(10 ** 9 + rand(9 * 10 ** 9)).slice(0, 8 + rand(7)),
  };
  if (i % 2 === 0) {
    x.amount = 1000 * (1 + rand(500));
    x.purpose = `SAP${rand(300)} DON${rand(100000)}`;
  }
  return x;
});

const ours = (x: VietQrInput): string => encodeVietQr(x);
const vqp = (x: VietQrInput): string =>
  QRPay.initVietQR({
    bankBin: x.bin,
    bankNumber: x.accountNumber,
    amount: x.amount === undefined ? undefined : String(x.amount),
    purpose: x.purpose,
  }).build();
const pp = (x: VietQrInput): string => {
  const tags = [
    ppTag('00', '01'),
    ppTag('01', x.amount === undefined ? '11' : '12'),
    ppTag(
      '38',
      ppEncode([
        ppTag('00', 'A000000727'),
        ppTag('01', ppEncode([ppTag('00', x.bin), ppTag('01', x.accountNumber)])),
        ppTag('02', 'QRIBFTTA'),
      ]),
    ),
    ppTag('53', '704'),
    ...(x.amount === undefined ? [] : [ppTag('54', String(x.amount))]),
    ppTag('58', 'VN'),
    ...(x.purpose === undefined ? [] : [ppTag('62', ppEncode([ppTag('08', x.purpose)]))]),
  ];
  return withCrcTag(ppEncode(tags), '63');
};

const PAYLOADS = INPUTS.map(ours);

// Same inputs must give the same bytes, or the comparison would be of different work.
for (const [name, enc] of [
  ['vietnam-qr-pay', vqp],
  ['promptparse', pp],
] as const) {
  INPUTS.forEach((x, i) => {
    if (enc(x) !== PAYLOADS[i]) throw new Error(`${name} encodes input ${i} differently: ${enc(x)} vs ${PAYLOADS[i]}`);
  });
}
for (const p of PAYLOADS) if (!decodeQr(p).valid) throw new Error(`our payload ${p} does not decode as valid`);

let sink = 0;
function opsPerSecond(fn: (i: number) => unknown): number {
  const warm = performance.now() + RUN_MS / 5;
  for (let i = 0; performance.now() < warm; i++) sink += fn(i) ? 1 : 0;
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < RUN_MS) {
    for (let k = 0; k < 32; k++, n++) sink += fn(n) ? 1 : 0;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}
async function opsPerSecondAsync(fn: (i: number) => Promise<unknown>): Promise<number> {
  const warm = performance.now() + RUN_MS / 5;
  for (let i = 0; performance.now() < warm; i++) sink += (await fn(i)) ? 1 : 0;
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < RUN_MS) {
    sink += (await fn(n++)) ? 1 : 0;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

const at = <T>(list: readonly T[], i: number): T => list[i % list.length] as T;

/** The nearest directory above the compiled script holding `file` (and passing `accept`). */
function findUp(file: string, accept: (full: string) => boolean = () => true): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, file)) && accept(path.join(dir, file))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no ${file} above ${__dirname}`);
  }
}
const ownPackage: string = findUp(
  'package.json',
  (f) => (JSON.parse(readFileSync(f, 'utf8')) as { name?: string }).name === '@marketqr/vietqr',
);

/** Read from the installed package.json; promptparse's "exports" keeps require('promptparse/package.json') out. */
function version(pkg: string): string {
  const file = path.join(ownPackage, 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  const started = performance.now();
  const codec = [
    {
      library: '@marketqr/vietqr',
      version: (JSON.parse(readFileSync(path.join(ownPackage, 'package.json'), 'utf8')) as { version: string }).version,
      encode: opsPerSecond((i) => encodeVietQr(at(INPUTS, i))),
      decode: opsPerSecond((i) => decodeQr(at(PAYLOADS, i)).valid),
      decodeDoes: 'CRC + full structure, charset, length, scheme and bank checks; tag tree',
    },
    {
      library: 'vietnam-qr-pay',
      version: version('vietnam-qr-pay'),
      encode: opsPerSecond((i) => vqp(at(INPUTS, i))),
      decode: opsPerSecond((i) => new QRPay(at(PAYLOADS, i)).isValid),
      decodeDoes: 'CRC check, VietQR/VNPAY fields',
    },
    {
      library: 'promptparse',
      version: version('promptparse'),
      encode: opsPerSecond((i) => pp(at(INPUTS, i))),
      decode: opsPerSecond((i) => ppParse(at(PAYLOADS, i), true, true) !== null),
      decodeDoes: 'CRC check (strict), TLV tags and sub-tags',
    },
  ];
  const sample = PAYLOADS[0] as string;
  const qrcodePng = (p: string): Promise<Buffer> =>
    QRCode.toBuffer(p, { errorCorrectionLevel: 'M', margin: 4, scale: 8 });
  const render = [
    {
      renderer: '@marketqr/vietqr renderPng (1-bit PNG), level M, scale 8, validates first',
      perSecond: opsPerSecond((i) => renderPng(at(PAYLOADS, i))),
      bytes: renderPng(sample).length,
    },
    {
      renderer: '@marketqr/vietqr renderPng (1-bit PNG), level H, scale 8',
      perSecond: opsPerSecond((i) => renderPng(at(PAYLOADS, i), { errorCorrectionLevel: 'H' })),
      bytes: renderPng(sample, { errorCorrectionLevel: 'H' }).length,
    },
    {
      renderer: '@marketqr/vietqr renderSvg, level M',
      perSecond: opsPerSecond((i) => renderSvg(at(PAYLOADS, i))),
      bytes: Buffer.byteLength(renderSvg(sample)),
    },
    {
      renderer: `qrcode ${version('qrcode')} toBuffer (RGBA PNG via pngjs), level M, scale 8, no validation`,
      perSecond: await opsPerSecondAsync((i) => qrcodePng(at(PAYLOADS, i))),
      bytes: (await qrcodePng(sample)).length,
    },
  ];
  const seconds = (performance.now() - started) / 1000;

  const env = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    runMsPerMeasurement: RUN_MS,
    inputs: INPUTS.length,
    meanPayloadLength: Math.round(PAYLOADS.reduce((n, p) => n + p.length, 0) / PAYLOADS.length),
    seconds: Math.round(seconds * 10) / 10,
  };
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const md = [
    `Node ${env.node}, ${env.cpu} (${env.cores} cores, shared), ${env.inputs} VietQR inputs (mean ${env.meanPayloadLength} characters), ${RUN_MS} ms per cell, ${env.date.slice(0, 10)}.`,
    '',
    '| library | version | encode/s | decode/s | PNG renders/s | what decode does |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...codec.map(
      (c, i) =>
        `| ${c.library} | ${c.version} | ${fmt(c.encode)} | ${fmt(c.decode)} | ${i === 0 ? fmt(render[0]?.perSecond ?? 0) : 'n/a (no renderer)'} | ${c.decodeDoes} |`,
    ),
    '',
    '| renderer | renders/s | bytes (first input) |',
    '| --- | ---: | ---: |',
    ...render.map((r) => `| ${r.renderer} | ${fmt(r.perSecond)} | ${fmt(r.bytes)} |`),
    '',
  ].join('\n');

  const dir = path.join(findUp('pnpm-workspace.yaml'), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const rounded = (_key: string, v: unknown): unknown => (typeof v === 'number' ? Math.round(v * 10) / 10 : v);
  writeFileSync(path.join(dir, 'vietqr.json'), JSON.stringify({ env, codec, render }, rounded, 2) + '\n');
  writeFileSync(path.join(dir, 'vietqr.md'), md);
  process.stdout.write(
    md + `\n(${env.seconds} s; written to ${path.relative(process.cwd(), dir)}/vietqr.{json,md}; sink ${sink % 10})\n`,
  );
}

void main();
