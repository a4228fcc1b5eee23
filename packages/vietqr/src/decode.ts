import { findBank, type BankInfo } from './banks';
import { codePointLength, describeChar, firstNonAns, isAns, isNumeric, isUnicodeText } from './charset';
import { crc16, formatCrc } from './crc';
import type { QrProblem } from './errors';
import { NAPAS_SERVICE_CODES, schemeOfGuid, type QrScheme } from './schemes';
import { parseLevel, problem, type QrTag } from './tlv';

/** Template 64: the merchant's name and city in another language, with its own script (Vietnamese diacritics). */
export interface AlternateLanguage {
  language?: string;
  name?: string;
  city?: string;
}

/**
 * What `decodeQr` returns (and the CLI prints). Keys are in this order; a key whose object is absent is omitted.
 * Values are exactly as encoded (no trimming, no number parsing), first occurrence when an ID is duplicated.
 */
export interface DecodedQr {
  /** No problem of severity `error`. Warnings (unknown BIN, over-long payload) leave a payload valid. */
  valid: boolean;
  /** 63 is present, is 4 hex digits and matches (case-insensitively) the CRC of everything up to and including `6304`. */
  crcValid: boolean;
  /** Every problem found, errors and warnings, in the order found. */
  errors: QrProblem[];
  payloadFormat?: string;
  /** `static` for 11, `dynamic` for 12, else the raw value. */
  pointOfInitiation?: 'static' | 'dynamic' | (string & {});
  /** Omitted when not even 00 could be read, i.e. the input is not an EMVCo payload. */
  scheme?: QrScheme;
  /** GUID of the scheme's template, as written; for `emvco`, the first GUID found in 26–51. */
  guid?: string;
  /** Template 38 (wherever the NAPAS GUID is): 01.00. */
  bin?: string;
  /** Template 38: 01.01, account or card number. */
  accountNumber?: string;
  /** Template 38: 02. */
  serviceCode?: string;
  currency?: string;
  /** 54, as encoded: "50000", never a number, so "50000.00" and "50000" stay distinguishable. */
  amount?: string;
  tipIndicator?: string;
  convenienceFeeFixed?: string;
  convenienceFeePercentage?: string;
  country?: string;
  merchantName?: string;
  merchantCity?: string;
  postalCode?: string;
  mcc?: string;
  billNumber?: string;
  mobileNumber?: string;
  storeLabel?: string;
  loyaltyNumber?: string;
  referenceLabel?: string;
  customerLabel?: string;
  terminalLabel?: string;
  /** 62.08, which NAPAS carries as the transfer description. */
  purpose?: string;
  consumerDataRequest?: string;
  alternateLanguage?: AlternateLanguage;
  /** The bank of `bin`, when it is in the list. */
  bank?: BankInfo;
  /** 63 as written. */
  crc?: string;
  /** The whole parsed tree. */
  tags: QrTag[];
}

const MAX_PAYLOAD = 512;
const NAPAS_LIMIT_DIGITS = '500000000';

/** Root IDs whose content is a template by EMVCo's allocation. */
function isTemplateId(id: string): boolean {
  const n = Number(id);
  return (n >= 26 && n <= 51) || n === 62 || n === 64 || n >= 80;
}

type Charset = 'N' | 'ans' | 'S';

/** Checks one primitive value against its charset and length; returns false when a problem was reported. */
function checkValue(
  problems: QrProblem[],
  path: string,
  value: string,
  charset: Charset,
  limits: { max?: number; exact?: number },
): boolean {
  if (charset === 'N' && !isNumeric(value)) {
    const bad = /[^0-9]/u.exec(value)?.[0] ?? '';
    problems.push(problem('QR.INVALID_CHARSET', path, `${path} must be digits; found ${describeChar(bad)}`));
    return false;
  }
  if (charset === 'ans' && !isAns(value)) {
    const bad = firstNonAns(value) ?? '';
    problems.push(problem('QR.INVALID_CHARSET', path, `${path} must be printable ASCII; found ${describeChar(bad)}`));
    return false;
  }
  if (charset === 'S' && !isUnicodeText(value)) {
    problems.push(problem('QR.INVALID_CHARSET', path, `${path} holds a control character or a lone surrogate`));
    return false;
  }
  // Past the charset checks N and ans are ASCII, so units are code points; only S needs counting.
  const n = charset === 'S' ? codePointLength(value) : value.length;
  if (limits.exact !== undefined && n !== limits.exact) {
    problems.push(problem('QR.INVALID_VALUE', path, `${path} must be ${limits.exact} characters; it has ${n}`));
    return false;
  }
  if (limits.max !== undefined && n > limits.max) {
    problems.push(problem('QR.FIELD_TOO_LONG', path, `${path} allows ${limits.max} characters; it has ${n}`));
    return false;
  }
  return true;
}

function firstById(nodes: readonly QrTag[] | undefined): Map<string, QrTag> {
  const m = new Map<string, QrTag>();
  if (nodes) for (const n of nodes) if (!m.has(n.id)) m.set(n.id, n);
  return m;
}

interface TemplateRead {
  children: QrTag[];
  problems: QrProblem[];
}

function readTemplate(node: QrTag, path: string): TemplateRead {
  const problems: QrProblem[] = [];
  const children = parseLevel(node.value, 0, node.value.length, path, problems);
  return { children, problems };
}

/**
 * Attaches a template's children. Problems of a template we interpret (`strict`) are errors with their own paths.
 * For one we only carry along, a structural problem becomes a single warning and the node stays raw: real wallet QRs
 * put plain values under template IDs (MoMo writes `80 03 046`), and that must not make a payable QR invalid.
 */
function attachTemplate(
  node: QrTag,
  path: string,
  strict: boolean,
  problems: QrProblem[],
  read: TemplateRead = readTemplate(node, path),
): void {
  if (strict) {
    node.children = read.children;
    problems.push(...read.problems);
  } else if (read.problems.length === 0) {
    node.children = read.children;
  } else {
    const first = read.problems[0];
    problems.push(
      problem(
        'QR.INVALID_TEMPLATE',
        path,
        `${path} is a template ID but its content is not a run of objects (${first?.code}: ${first?.message}); kept raw`,
        'warning',
      ),
    );
  }
}

function checkAmount(problems: QrProblem[], path: string, value: string, max: number, vnd: boolean): boolean {
  if (!isAns(value) || !/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(value)) {
    problems.push(
      problem('QR.INVALID_AMOUNT', path, `${path} ${JSON.stringify(value)} is not digits with at most one "."`),
    );
    return false;
  }
  if (value.length > max) {
    problems.push(problem('QR.FIELD_TOO_LONG', path, `${path} allows ${max} characters; it has ${value.length}`));
    return false;
  }
  if (!/[1-9]/.test(value)) {
    problems.push(problem('QR.INVALID_AMOUNT', path, `${path} must not be zero`));
    return false;
  }
  if (vnd && value.includes('.')) {
    problems.push(problem('QR.INVALID_AMOUNT', path, `${path} ${JSON.stringify(value)}: VND has no decimals`));
    return false;
  }
  return true;
}

function overLimit(amount: string): boolean {
  const int = (amount.split('.')[0] ?? '').replace(/^0+/, '');
  return (
    int.length > NAPAS_LIMIT_DIGITS.length || (int.length === NAPAS_LIMIT_DIGITS.length && int >= NAPAS_LIMIT_DIGITS)
  );
}

function checkRootPrimitives(root: Map<string, QrTag>, currency: string | undefined, problems: QrProblem[]): void {
  for (const [id, node] of root) {
    const v = node.value;
    const n = Number(id);
    switch (id) {
      case '00':
        if (checkValue(problems, id, v, 'N', { exact: 2 }) && v !== '01')
          problems.push(
            problem('QR.UNSUPPORTED_FORMAT', id, `payload format indicator is ${JSON.stringify(v)}, not "01"`),
          );
        break;
      case '01':
        if (checkValue(problems, id, v, 'N', { exact: 2 }) && v !== '11' && v !== '12')
          problems.push(
            problem('QR.INVALID_VALUE', id, `point of initiation ${JSON.stringify(v)} is neither 11 nor 12`),
          );
        break;
      case '52':
        checkValue(problems, id, v, 'N', { exact: 4 });
        break;
      case '53':
        checkValue(problems, id, v, 'N', { exact: 3 });
        break;
      case '54':
        checkAmount(problems, id, v, 13, currency === '704');
        break;
      case '55':
        if (checkValue(problems, id, v, 'N', { exact: 2 }) && !['01', '02', '03'].includes(v))
          problems.push(problem('QR.INVALID_VALUE', id, `tip indicator ${JSON.stringify(v)} is not 01, 02 or 03`));
        break;
      case '56':
        checkAmount(problems, id, v, 13, currency === '704');
        break;
      case '57':
        if (checkValue(problems, id, v, 'ans', { max: 5 }) && !/^(?:\d+(?:\.\d*)?|\.\d+)$/.test(v))
          problems.push(problem('QR.INVALID_VALUE', id, `fee percentage ${JSON.stringify(v)} is not a number`));
        break;
      case '58':
        if (checkValue(problems, id, v, 'ans', { exact: 2 }) && !/^[A-Za-z]{2}$/.test(v))
          problems.push(problem('QR.INVALID_VALUE', id, `country ${JSON.stringify(v)} is not ISO 3166-1 alpha-2`));
        break;
      case '59':
        checkValue(problems, id, v, 'ans', { max: 25 });
        break;
      case '60':
        checkValue(problems, id, v, 'ans', { max: 15 });
        break;
      case '61':
        checkValue(problems, id, v, 'ans', { max: 10 });
        break;
      default:
        // 02–25: primitive merchant account information of card networks (ans); 65–79: RFU, left alone.
        if (n >= 2 && n <= 25) checkValue(problems, id, v, 'ans', {});
    }
  }
}

function checkNapasTemplate(tpl: QrTag, problems: QrProblem[], out: Partial<DecodedQr>): void {
  const path = tpl.id;
  const fields = firstById(tpl.children);
  const ben = fields.get('01');
  if (!ben) {
    problems.push(problem('QR.MISSING_FIELD', `${path}.01`, `${path}.01 (beneficiary: BIN and account) is missing`));
  } else {
    const benPath = `${path}.01`;
    attachTemplate(ben, benPath, true, problems);
    const bf = firstById(ben.children);
    const bin = bf.get('00');
    const acct = bf.get('01');
    if (!bin) problems.push(problem('QR.MISSING_FIELD', `${benPath}.00`, `${benPath}.00 (BIN) is missing`));
    else {
      out.bin = bin.value;
      if (!/^\d{6}$/.test(bin.value)) {
        problems.push(problem('QR.INVALID_BIN', `${benPath}.00`, `BIN ${JSON.stringify(bin.value)} is not 6 digits`));
      } else {
        const bank = findBank(bin.value);
        if (bank) out.bank = bank;
        else
          problems.push(
            problem('QR.UNKNOWN_BIN', `${benPath}.00`, `BIN ${bin.value} is not in the bank list`, 'warning'),
          );
      }
    }
    if (!acct) problems.push(problem('QR.MISSING_FIELD', `${benPath}.01`, `${benPath}.01 (account) is missing`));
    else {
      out.accountNumber = acct.value;
      checkValue(problems, `${benPath}.01`, acct.value, 'ans', { max: 19 });
    }
  }
  const svc = fields.get('02');
  if (!svc) {
    problems.push(problem('QR.MISSING_FIELD', `${path}.02`, `${path}.02 (service code) is missing`));
  } else {
    out.serviceCode = svc.value;
    if (
      checkValue(problems, `${path}.02`, svc.value, 'ans', {}) &&
      !(NAPAS_SERVICE_CODES as readonly string[]).includes(svc.value)
    )
      problems.push(
        problem(
          'QR.INVALID_VALUE',
          `${path}.02`,
          `service code ${JSON.stringify(svc.value)} is not a NAPAS one`,
          'warning',
        ),
      );
  }
}

/** EMVCo 62: 01–08 ans ≤25, 09 a subset of "AME", 10 tax ID ≤20, 11 channel 3; 50–99 payment-system templates. */
function checkAdditionalData(tpl: QrTag, problems: QrProblem[], out: Partial<DecodedQr>): void {
  attachTemplate(tpl, '62', true, problems);
  const names: Record<string, keyof DecodedQr> = {
    '01': 'billNumber',
    '02': 'mobileNumber',
    '03': 'storeLabel',
    '04': 'loyaltyNumber',
    '05': 'referenceLabel',
    '06': 'customerLabel',
    '07': 'terminalLabel',
    '08': 'purpose',
    '09': 'consumerDataRequest',
  };
  for (const [id, node] of firstById(tpl.children)) {
    const path = `62.${id}`;
    const n = Number(id);
    const key = names[id];
    if (key) (out as Record<string, unknown>)[key] = node.value;
    if (n >= 1 && n <= 8) checkValue(problems, path, node.value, 'ans', { max: 25 });
    else if (n === 9) {
      if (!/^(?!.*(.).*\1)[AME]{1,3}$/.test(node.value))
        problems.push(
          problem(
            'QR.INVALID_VALUE',
            path,
            `${path} must be up to 3 of "A", "M", "E"; got ${JSON.stringify(node.value)}`,
          ),
        );
    } else if (n === 10) checkValue(problems, path, node.value, 'ans', { max: 20 });
    else if (n === 11) checkValue(problems, path, node.value, 'ans', { exact: 3 });
    else if (n >= 50) attachTemplate(node, path, false, problems);
  }
}

function checkAlternateLanguage(tpl: QrTag, problems: QrProblem[], out: Partial<DecodedQr>): void {
  attachTemplate(tpl, '64', true, problems);
  const f = firstById(tpl.children);
  const alt: AlternateLanguage = {};
  const lang = f.get('00');
  const name = f.get('01');
  const city = f.get('02');
  if (!lang) problems.push(problem('QR.MISSING_FIELD', '64.00', '64.00 (language) is missing'));
  else {
    alt.language = lang.value;
    if (checkValue(problems, '64.00', lang.value, 'ans', { exact: 2 }) && !/^[A-Za-z]{2}$/.test(lang.value))
      problems.push(problem('QR.INVALID_VALUE', '64.00', `language ${JSON.stringify(lang.value)} is not ISO 639-1`));
  }
  if (!name) problems.push(problem('QR.MISSING_FIELD', '64.01', '64.01 (name) is missing'));
  else {
    alt.name = name.value;
    checkValue(problems, '64.01', name.value, 'S', { max: 25 });
  }
  if (city) {
    alt.city = city.value;
    checkValue(problems, '64.02', city.value, 'S', { max: 15 });
  }
  if (tpl.children && tpl.children.length > 0) out.alternateLanguage = alt;
}

function checkCrc(
  payload: string,
  nodes: readonly QrTag[],
  valueStarts: readonly number[],
  problems: QrProblem[],
): { valid: boolean; crc?: string } {
  const at = nodes.findIndex((n) => n.id === '63');
  const crcNode = nodes[at];
  let value: string;
  let coveredTo: number;
  if (crcNode) {
    value = crcNode.value;
    coveredTo = valueStarts[at] as number;
    if (nodes[nodes.length - 1] !== crcNode)
      problems.push(problem('QR.CRC_NOT_LAST', '63', '63 (CRC) is not the last object'));
  } else {
    // The structure may have broken before the end (a mangled length swallows the CRC object). If the payload still
    // ends the way a CRC object does, check against it, so that crcValid tells whether the bytes are intact.
    const tail = /6304([0-9A-Fa-f]{4})$/.exec(payload);
    if (!tail) {
      problems.push(problem('QR.MISSING_CRC', '63', 'no CRC object (63) at the end of the payload'));
      return { valid: false };
    }
    value = tail[1] as string;
    coveredTo = payload.length - 4;
  }
  if (!/^[0-9A-Fa-f]{4}$/.test(value)) {
    problems.push(problem('QR.INVALID_CRC', '63', `CRC ${JSON.stringify(value)} is not 4 hexadecimal digits`));
    return { valid: false, crc: value };
  }
  // Compared as numbers: case-insensitive for free (at least one bank writes lowercase hex).
  const expected = crc16(payload, 0, coveredTo);
  if (expected !== parseInt(value, 16)) {
    problems.push(problem('QR.CRC_MISMATCH', '63', `CRC is ${value} but the payload's is ${formatCrc(expected)}`));
    return { valid: false, crc: value };
  }
  return { valid: true, crc: value };
}

function decodeUnchecked(payload: string): DecodedQr {
  const problems: QrProblem[] = [];
  if (payload.length === 0) {
    problems.push(problem('QR.EMPTY_PAYLOAD', '', 'the payload is empty'));
    return { valid: false, crcValid: false, errors: problems, tags: [] };
  }
  const valueStarts: number[] = [];
  const nodes = parseLevel(payload, 0, payload.length, '', problems, valueStarts);
  const root = firstById(nodes);
  const out: Partial<DecodedQr> = {};

  // Code points never outnumber UTF-16 units, so only a long string needs counting.
  const total = payload.length > MAX_PAYLOAD ? codePointLength(payload) : 0;
  if (total > MAX_PAYLOAD)
    problems.push(
      problem('QR.PAYLOAD_TOO_LONG', '', `payload has ${total} characters, over the ${MAX_PAYLOAD} advised`, 'warning'),
    );
  if (root.has('00') && nodes[0]?.id !== '00')
    problems.push(problem('QR.FORMAT_NOT_FIRST', '00', '00 (payload format indicator) is not the first object'));
  const crc = checkCrc(payload, nodes, valueStarts, problems);

  const currency = root.get('53')?.value;
  checkRootPrimitives(root, currency, problems);

  // Templates: find the scheme first, since it decides how strictly each 26–51 template is read.
  let napas: QrTag | undefined;
  let schemeTpl: { scheme: QrScheme; guid: string } | undefined;
  let firstGuid: string | undefined;
  for (const node of nodes) {
    const n = Number(node.id);
    if (!(n >= 26 && n <= 51) || root.get(node.id) !== node) continue;
    const read = readTemplate(node, node.id);
    const guid = firstById(read.children).get('00')?.value;
    const scheme = guid === undefined ? undefined : schemeOfGuid(guid);
    // 38 is NAPAS's by allocation, so a broken 38 is reported in full even when its GUID is unreadable.
    attachTemplate(node, node.id, scheme !== undefined || node.id === '38', problems, read);
    if (guid !== undefined && node.children) {
      checkValue(problems, `${node.id}.00`, guid, 'ans', { max: 32 });
      firstGuid ??= guid;
    }
    if (scheme === 'vietqr' && !napas) napas = node;
    if (scheme && guid && (!schemeTpl || (scheme === 'vietqr' && schemeTpl.scheme !== 'vietqr')))
      schemeTpl = { scheme, guid };
  }
  for (const node of nodes) {
    if (root.get(node.id) !== node || !isTemplateId(node.id)) continue;
    if (node.id === '62') checkAdditionalData(node, problems, out);
    else if (node.id === '64') checkAlternateLanguage(node, problems, out);
    else if (Number(node.id) >= 80) attachTemplate(node, node.id, false, problems);
  }
  if (napas) checkNapasTemplate(napas, problems, out);

  const scheme: QrScheme | undefined = root.has('00') ? (schemeTpl?.scheme ?? 'emvco') : undefined;
  const vietnamese = root.get('58')?.value.toUpperCase() === 'VN' || currency === '704';
  // A Vietnamese payload with no merchant account at all is most likely a VietQR that lost its 38; one with an
  // account template we do not know is some other scheme, and is not held to NAPAS's rules.
  const hasAccount = nodes.some((n) => Number(n.id) >= 2 && Number(n.id) <= 51);
  const vietqr = scheme === 'vietqr' || (scheme === 'emvco' && vietnamese && !hasAccount);

  const required = ['00', '53', '58'];
  if (vietqr) required.splice(1, 0, '01', '38');
  for (const id of required)
    if (!root.has(id) && !(id === '38' && napas))
      problems.push(problem('QR.MISSING_FIELD', id, `${id} is mandatory${vietqr ? ' in a VietQR payload' : ''}`));

  if (vietqr) {
    const pi = root.get('01')?.value;
    const amount = root.get('54')?.value;
    if (currency !== undefined && currency !== '704')
      problems.push(problem('QR.INVALID_VALUE', '53', `VietQR currency must be 704 (VND), not ${currency}`));
    const country = root.get('58')?.value;
    if (country !== undefined && country !== 'VN')
      problems.push(problem('QR.INVALID_VALUE', '58', `VietQR country must be VN, not ${JSON.stringify(country)}`));
    if (pi === '12' && amount === undefined)
      problems.push(problem('QR.MISSING_FIELD', '54', 'a dynamic VietQR normally carries an amount', 'warning'));
    if (amount !== undefined && /^\d+$/.test(amount) && overLimit(amount))
      problems.push(
        problem(
          'QR.AMOUNT_OVER_LIMIT',
          '54',
          `${amount} VND is not under the NAPAS 247 limit of 500,000,000`,
          'warning',
        ),
      );
  }

  const get = (id: string): string | undefined => root.get(id)?.value;
  const pi = get('01');
  // Built key by key in the documented order, `tags` (the bulky one) last so that it prints last.
  const result: Omit<DecodedQr, 'tags'> & { tags?: QrTag[] } = {
    valid: !problems.some((p) => p.severity === 'error'),
    crcValid: crc.valid,
    errors: problems,
  };
  const put = <K extends Exclude<keyof DecodedQr, 'tags'>>(key: K, value: DecodedQr[K] | undefined): void => {
    if (value !== undefined) result[key] = value;
  };
  put('payloadFormat', get('00'));
  put('pointOfInitiation', pi === '11' ? 'static' : pi === '12' ? 'dynamic' : pi);
  put('scheme', scheme);
  put('guid', schemeTpl?.guid ?? firstGuid);
  put('bin', out.bin);
  put('accountNumber', out.accountNumber);
  put('serviceCode', out.serviceCode);
  put('currency', currency);
  put('amount', get('54'));
  put('tipIndicator', get('55'));
  put('convenienceFeeFixed', get('56'));
  put('convenienceFeePercentage', get('57'));
  put('country', get('58'));
  put('merchantName', get('59'));
  put('merchantCity', get('60'));
  put('postalCode', get('61'));
  put('mcc', get('52'));
  put('billNumber', out.billNumber);
  put('mobileNumber', out.mobileNumber);
  put('storeLabel', out.storeLabel);
  put('loyaltyNumber', out.loyaltyNumber);
  put('referenceLabel', out.referenceLabel);
  put('customerLabel', out.customerLabel);
  put('terminalLabel', out.terminalLabel);
  put('purpose', out.purpose);
  put('consumerDataRequest', out.consumerDataRequest);
  put('alternateLanguage', out.alternateLanguage);
  put('bank', out.bank);
  put('crc', crc.crc);
  result.tags = nodes;
  return result as DecodedQr;
}

/**
 * Decodes any EMVCo merchant-presented payload. Never throws, whatever the input (empty, binary, megabytes, not a
 * string at all from a JavaScript caller): everything it could read is returned with every problem it found.
 */
/**
 * The longest input read: a version-40 QR code holds at most 7,089 characters (numeric mode), so anything longer was
 * not scanned from a QR. Refusing it first bounds the decoder's work (and the problems it lists) for any caller.
 */
export const MAX_DECODE_INPUT = 8_192;
/** At most this many problems are listed; a payload with more is garbage, and the first ones say so. */
export const MAX_PROBLEMS = 100;

export function decodeQr(payload: string): DecodedQr {
  if (typeof payload !== 'string') {
    return {
      valid: false,
      crcValid: false,
      errors: [problem('QR.EMPTY_PAYLOAD', '', `the payload is not a string but ${typeof payload}`)],
      tags: [],
    };
  }
  if (payload.length > MAX_DECODE_INPUT) {
    const message = `the input has ${payload.length} characters; no QR code holds more than ${MAX_DECODE_INPUT}`;
    return { valid: false, crcValid: false, errors: [problem('QR.INPUT_TOO_LONG', '', message)], tags: [] };
  }
  try {
    const decoded = decodeUnchecked(payload);
    if (decoded.errors.length <= MAX_PROBLEMS) return decoded;
    const more = decoded.errors.length - MAX_PROBLEMS;
    return {
      ...decoded,
      valid: false,
      errors: [
        ...decoded.errors.slice(0, MAX_PROBLEMS),
        problem('QR.TOO_MANY_PROBLEMS', '', `${more} more problems not listed`),
      ],
    };
  } catch (e) {
    return {
      valid: false,
      crcValid: false,
      errors: [problem('QR.DECODE_FAILED', '', `decoder bug: ${e instanceof Error ? e.message : String(e)}`)],
      tags: [],
    };
  }
}
