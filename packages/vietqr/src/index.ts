export { BANKS, findBank, type BankInfo } from './banks';
export { codePointLength, foldToAscii, isAns, isNumeric, isUnicodeText } from './charset';
export { crc16, formatCrc, withCrc } from './crc';
export { decodeQr, MAX_DECODE_INPUT, MAX_PROBLEMS, type AlternateLanguage, type DecodedQr } from './decode';
export {
  encodeEmvco,
  encodeVietQr,
  validateVietQr,
  type AdditionalDataInput,
  type EmvObjectInput,
  type EncodeOptions,
  type VietQrInput,
} from './encode';
export {
  QR_ERROR_CODES,
  VietQrError,
  isVietQrError,
  type QrErrorCode,
  type QrProblem,
  type QrSeverity,
} from './errors';
export { QR_READER_OPTIONS, type QrReaderOptions } from './reader-options';
export { renderPng, renderSvg, type ErrorCorrectionLevel, type RenderOptions } from './render';
export { svgOfModules, type QrModules, type SvgStyle } from './svg';
export { NAPAS_GUID, NAPAS_SERVICE_CODES, QR_SCHEMES, schemeOfGuid, type QrScheme } from './schemes';
export type { QrTag } from './tlv';
