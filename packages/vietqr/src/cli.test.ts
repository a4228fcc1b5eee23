import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli';
import { encodeVietQr } from './encode';

async function run(argv: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    readStdin: async () => stdin,
  });
  return { code, out, err };
}

const payload = encodeVietQr({ bin: '970436', accountNumber: '0123456789', amount: 50000, purpose: 'SAP12' });

describe('qr decode', () => {
  it('prints one JSON object and exits 0 for a valid payload', async () => {
    const r = await run(['decode', payload]);
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toMatchObject({ valid: true, bin: '970436', amount: '50000', purpose: 'SAP12' });
  });

  it('prints the JSON and exits 1 for an invalid payload', async () => {
    const r = await run(['decode', payload.slice(0, -1) + (payload.endsWith('0') ? '1' : '0')]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ valid: false, errors: [{ code: 'QR.CRC_MISMATCH', path: '63' }] });
  });

  it('reads standard input for "-", ignoring the trailing newline', async () => {
    const r = await run(['decode', '-'], payload + '\n');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).valid).toBe(true);
  });

  it('exits 2 with a JSON usage error when the payload is missing', async () => {
    const r = await run(['decode']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err).error.code).toBe('CLI.USAGE');
  });
});

describe('qr encode', () => {
  it('prints a static payload without --amount and a dynamic one with it', async () => {
    const s = await run(['encode', '--bin', '970436', '--account', '0123456789']);
    expect(s).toMatchObject({ code: 0, err: '' });
    expect(s.out).toBe(encodeVietQr({ bin: '970436', accountNumber: '0123456789' }) + '\n');
    const d = await run([
      'encode',
      '--bin',
      '970436',
      '--account',
      '0123456789',
      '--amount',
      '50000',
      '--purpose',
      'SAP12',
    ]);
    expect(d.out.trim()).toBe(payload);
  });

  it('passes every option through, folding names and keeping diacritics in --alt-name', async () => {
    const r = await run([
      'encode',
      '--bin=970422',
      '--account=9704229201234567',
      '--card',
      '--amount=120000',
      '--name=Lê Thị Hoa',
      '--city=Hà Nội',
      '--bill=HD1',
      '--store=Sạp 12',
      '--terminal=T1',
      '--reference=R1',
      '--mobile=0912345678',
      '--mcc=5411',
      '--alt-name=Lê Thị Hoa',
      '--alt-city=Hà Nội',
      '--static',
    ]);
    expect(r.code).toBe(0);
    const d = JSON.parse((await run(['decode', r.out.trim()])).out);
    expect(d).toMatchObject({
      valid: true,
      pointOfInitiation: 'static',
      serviceCode: 'QRIBFTTC',
      merchantName: 'Le Thi Hoa',
      merchantCity: 'Ha Noi',
      billNumber: 'HD1',
      storeLabel: 'Sap 12',
      terminalLabel: 'T1',
      referenceLabel: 'R1',
      mobileNumber: '0912345678',
      mcc: '5411',
      alternateLanguage: { name: 'Lê Thị Hoa', city: 'Hà Nội' },
    });
  });

  it('exits 2 with {error:{code,path,message}} on stderr for input the encoder refuses', async () => {
    const r = await run(['encode', '--bin', '970436', '--account', '0123456789', '--amount', '12.5']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(JSON.parse(r.err)).toEqual({
      error: { code: 'QR.INVALID_AMOUNT', path: '54', message: expect.any(String) },
    });
    const bin = await run(['encode', '--bin', '999999', '--account', '1']);
    expect(JSON.parse(bin.err).error).toMatchObject({ code: 'QR.UNKNOWN_BIN', path: '38.01.00' });
  });

  it('accepts wallet accounts and new BINs behind flags', async () => {
    const r = await run([
      'encode',
      '--bin',
      '999999',
      '--account',
      'PSP1',
      '--alphanumeric-account',
      '--allow-unknown-bin',
    ]);
    expect(r.code).toBe(0);
  });

  it('exits 2 with a usage error for an unknown option or command', async () => {
    expect(JSON.parse((await run(['encode', '--bogus'])).err).error.code).toBe('CLI.USAGE');
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
    expect(await run(['help'])).toMatchObject({ code: 0, err: '' });
  });
});

describe('qr render', () => {
  it('writes a PNG or an SVG file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vietqr-'));
    const png = join(dir, 'poster.png');
    expect(await run(['render', payload, '--out', png, '--scale', '2'])).toMatchObject({ code: 0 });
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    const svg = join(dir, 'poster.svg');
    expect(await run(['render', '-', '--out', svg, '--ecl', 'h'], payload)).toMatchObject({ code: 0 });
    expect(readFileSync(svg, 'utf8')).toMatch(/^<svg/);
  });

  it('refuses an invalid payload and a bad file name with exit 2', async () => {
    const r = await run(['render', 'nonsense', '--out', '/tmp/x.png']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.err).error.code).toBe('QR.INVALID_PAYLOAD');
    expect((await run(['render', payload, '--out', 'x.gif'])).code).toBe(2);
  });
});
