#!/usr/bin/env node
/**
 * `pnpm --silent qr decode <payload|->` prints the decoded JSON; exit 0 when valid, 1 when not.
 * `pnpm --silent qr encode --bin 970436 --account 0123456789 [...]` prints the payload; exit 0, or 2 with
 * `{"error":{code,path,message}}` on stderr for input the encoder refuses.
 * `pnpm --silent qr render <payload|-> --out poster.png|.svg [--ecl M]` writes an image; exit 0, or 2.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { decodeQr } from './decode';
import { encodeVietQr, type VietQrInput } from './encode';
import { isVietQrError } from './errors';
import { renderPng, renderSvg, type ErrorCorrectionLevel } from './render';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
}

const USAGE = `usage:
  qr decode <payload | ->                 print the decoded payload as JSON; exit 0 valid, 1 invalid
  qr encode --bin <6 digits> --account <number> [--amount <đồng>] [--purpose <text>] [--name <text>]
            [--city <text>] [--bill <text>] [--store <text>] [--terminal <text>] [--reference <text>]
            [--mobile <text>] [--mcc <4 digits>] [--alt-name <text>] [--alt-city <text>] [--card]
            [--static] [--alphanumeric-account] [--allow-unknown-bin]
                                          print the payload (dynamic when --amount is given)
  qr render <payload | -> --out <file.png | file.svg> [--ecl L|M|Q|H] [--scale <px>] [--no-validate]
  "-" reads the payload from standard input.`;

class UsageError extends Error {}

/** node:util parseArgs errors, told apart by code: instanceof would miss them across realms (jest's VM). */
function isParseArgsError(e: unknown): e is Error {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof e === 'object' && e !== null && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function errorJson(code: string, path: string, message: string): string {
  return JSON.stringify({ error: { code, path, message } }) + '\n';
}

async function payloadArg(positionals: string[], io: CliIo): Promise<string> {
  const arg = positionals[0];
  if (arg === undefined) throw new UsageError('a payload (or "-" for standard input) is required');
  if (positionals.length > 1) throw new UsageError('one payload only; quote it if it contains spaces');
  // Trimmed because `echo payload | qr decode -` adds a newline no payload ends with; an argument is taken as given.
  return arg === '-' ? (await io.readStdin()).trim() : arg;
}

async function decodeCommand(args: string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const decoded = decodeQr(await payloadArg(positionals, io));
  io.stdout(JSON.stringify(decoded, null, 2) + '\n');
  return decoded.valid ? 0 : 1;
}

function encodeCommand(args: string[], io: CliIo): number {
  const { values } = parseArgs({
    args,
    allowPositionals: false,
    options: {
      bin: { type: 'string' },
      account: { type: 'string' },
      amount: { type: 'string' },
      purpose: { type: 'string' },
      name: { type: 'string' },
      city: { type: 'string' },
      bill: { type: 'string' },
      store: { type: 'string' },
      terminal: { type: 'string' },
      reference: { type: 'string' },
      mobile: { type: 'string' },
      mcc: { type: 'string' },
      'alt-name': { type: 'string' },
      'alt-city': { type: 'string' },
      card: { type: 'boolean' },
      static: { type: 'boolean' },
      'alphanumeric-account': { type: 'boolean' },
      'allow-unknown-bin': { type: 'boolean' },
    },
  });
  const input: VietQrInput = {
    bin: values.bin ?? '',
    accountNumber: values.account ?? '',
    service: values.card ? 'card' : 'account',
    amount: values.amount,
    purpose: values.purpose,
    merchantName: values.name,
    merchantCity: values.city,
    billNumber: values.bill,
    storeLabel: values.store,
    terminalLabel: values.terminal,
    referenceLabel: values.reference,
    mobileNumber: values.mobile,
    mcc: values.mcc,
  };
  if (values.static) input.pointOfInitiation = 'static';
  if (values['alt-name'] !== undefined)
    input.alternateLanguage = { name: values['alt-name'], city: values['alt-city'] };
  io.stdout(
    encodeVietQr(input, {
      allowAlphanumericAccount: values['alphanumeric-account'] === true,
      allowUnknownBin: values['allow-unknown-bin'] === true,
    }) + '\n',
  );
  return 0;
}

async function renderCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      ecl: { type: 'string' },
      scale: { type: 'string' },
      'no-validate': { type: 'boolean' },
    },
  });
  const payload = await payloadArg(positionals, io);
  const out = values.out;
  if (!out || !/\.(png|svg)$/i.test(out)) throw new UsageError('--out must name a .png or .svg file');
  const opts = {
    errorCorrectionLevel: (values.ecl ?? 'M').toUpperCase() as ErrorCorrectionLevel,
    scale: values.scale === undefined ? undefined : Number(values.scale),
    validate: values['no-validate'] !== true,
  };
  const image = /\.svg$/i.test(out) ? renderSvg(payload, opts) : renderPng(payload, opts);
  await writeFile(out, image);
  io.stdout(out + '\n');
  return 0;
}

/** Runs one command; returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'decode':
        return await decodeCommand(rest, io);
      case 'encode':
        return encodeCommand(rest, io);
      case 'render':
        return await renderCommand(rest, io);
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE + '\n');
        return 0;
      case undefined:
        throw new UsageError('a command is required');
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (isVietQrError(e)) io.stderr(errorJson(e.code, e.path, e.message));
    else if (e instanceof UsageError || isParseArgsError(e))
      io.stderr(errorJson('CLI.USAGE', '', `${e.message} (qr help prints the usage)`));
    else io.stderr(errorJson('CLI.FAILED', '', e instanceof Error ? e.message : String(e)));
    return 2;
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

if (require.main === module) {
  void runCli(process.argv.slice(2), {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    readStdin,
  }).then((code) => {
    process.exitCode = code;
  });
}
