/**
 * Stable problem codes. The encoder throws them (as VietQrError), the decoder returns them (as QrProblem). Clients and
 * tests match on `code` and `path`, never on the message, so a code is part of the API: add new ones, never rename.
 */
export const QR_ERROR_CODES = [
  /** A value longer than its field allows (path names the field: `59`, `62.08`, `64.01`), or a template over 99. */
  'QR.FIELD_TOO_LONG',
  /** The whole payload is over the 512 characters NAPAS and EMVCo recommend. */
  'QR.PAYLOAD_TOO_LONG',
  /** Not a positive integer number of đồng under 500,000,000 (encode), or not an EMVCo amount (decode). */
  'QR.INVALID_AMOUNT',
  /** A VND amount at or over the NAPAS 247 per-transaction limit (decode: warning; encode uses INVALID_AMOUNT). */
  'QR.AMOUNT_OVER_LIMIT',
  /** A BIN that is 6 digits but not in the bank list. */
  'QR.UNKNOWN_BIN',
  /** A BIN that is not 6 digits. */
  'QR.INVALID_BIN',
  /** An account or card number that is empty, too long, or not the expected characters. */
  'QR.INVALID_ACCOUNT',
  /** A character outside the field's set: N (digits), ans (printable ASCII) or S (Unicode without controls). */
  'QR.INVALID_CHARSET',
  /** A value of the right characters but not an allowed one (point of initiation "13", MCC "12a4", language "vie"). */
  'QR.INVALID_VALUE',
  /** A mandatory object is absent. */
  'QR.MISSING_FIELD',
  /** Payload format indicator (00) is not "01". Still decoded. */
  'QR.UNSUPPORTED_FORMAT',
  /** The input is the empty string (or not a string at all). */
  'QR.EMPTY_PAYLOAD',
  /** The CRC in 63 does not match the payload. */
  'QR.CRC_MISMATCH',
  /** No CRC object (63). */
  'QR.MISSING_CRC',
  /** 63 is not 4 hexadecimal characters. */
  'QR.INVALID_CRC',
  /** An object runs past the end of its level, or fewer than 4 characters are left for an ID and a length. */
  'QR.TRUNCATED',
  /** A declared length of 00. */
  'QR.ZERO_LENGTH',
  /** An ID that is not two digits. */
  'QR.INVALID_ID',
  /** A length that is not two digits. */
  'QR.INVALID_LENGTH',
  /** The same ID twice at one level. The first one is the one read. */
  'QR.DUPLICATE_ID',
  /** 00 is present but not the first object. */
  'QR.FORMAT_NOT_FIRST',
  /** 63 is present but not the last object. */
  'QR.CRC_NOT_LAST',
  /** A template whose content is not a run of ID-length-value objects (kept raw). */
  'QR.INVALID_TEMPLATE',
  /** renderPng/renderSvg refused a payload that does not decode as valid. */
  'QR.INVALID_PAYLOAD',
  /** A render option outside what the standard allows (quiet zone under 4 modules, unknown error-correction level). */
  'QR.INVALID_OPTION',
  /** The decoder hit a bug of its own; returned rather than thrown so that decode keeps its never-throws promise. */
  'QR.DECODE_FAILED',
  /**
   * The input is longer than any QR code can hold (MAX_DECODE_INPUT characters): not read at all, so a megabyte of
   * junk costs nothing.
   */
  'QR.INPUT_TOO_LONG',
  /** More problems than MAX_PROBLEMS were found: the list stops there, with this one last. */
  'QR.TOO_MANY_PROBLEMS',
] as const;

export type QrErrorCode = (typeof QR_ERROR_CODES)[number];

/** `error` makes a decoded payload invalid; `warning` is worth showing but does not stop a payment. */
export type QrSeverity = 'error' | 'warning';

/** One problem the decoder found (or the encoder's validation found). */
export interface QrProblem {
  code: QrErrorCode;
  /** Tag path from the root, dot-separated: `54`, `62.08`, `38.01.00`. Empty for a problem with the payload as a whole. */
  path: string;
  message: string;
  severity: QrSeverity;
}

/** Thrown by the encoder and the renderers for input they refuse. */
export class VietQrError extends Error {
  constructor(
    public readonly code: QrErrorCode,
    /** Tag path of the offending field, as in QrProblem. */
    public readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'VietQrError';
  }

  static fromProblem(p: QrProblem): VietQrError {
    return new VietQrError(p.code, p.path, p.message);
  }

  toJSON(): { code: QrErrorCode; path: string; message: string } {
    return { code: this.code, path: this.path, message: this.message };
  }
}

export function isVietQrError(e: unknown): e is VietQrError {
  return e instanceof VietQrError;
}
