/** Payment schemes the decoder recognises by the GUID (sub-object 00) of a merchant account template (26–51). */
export type QrScheme = 'vietqr' | 'vnpay' | 'promptpay' | 'pix' | 'paynow' | 'duitnow' | 'qris' | 'emvco';

export const QR_SCHEMES: readonly QrScheme[] = [
  'vietqr',
  'vnpay',
  'promptpay',
  'pix',
  'paynow',
  'duitnow',
  'qris',
  'emvco',
];

/** NAPAS AID, the GUID of template 38. */
export const NAPAS_GUID = 'A000000727';

/**
 * GUIDs, upper-cased because they are compared case-insensitively (Pix payloads write `br.gov.bcb.pix` and
 * `BR.GOV.BCB.PIX` alike). PromptPay has one AID per use: 010111 merchant/person credit transfer (tag 29),
 * 010112 bill payment (tag 30), 010113/010114 the e-wallet and cross-border variants; all are PromptPay.
 */
const GUIDS: ReadonlyMap<string, QrScheme> = new Map<string, QrScheme>([
  [NAPAS_GUID, 'vietqr'],
  ['A000000775', 'vnpay'],
  ['A000000677010111', 'promptpay'],
  ['A000000677010112', 'promptpay'],
  ['A000000677010113', 'promptpay'],
  ['A000000677010114', 'promptpay'],
  ['BR.GOV.BCB.PIX', 'pix'],
  ['SG.PAYNOW', 'paynow'],
  ['A0000006150001', 'duitnow'],
  ['ID.CO.QRIS.WWW', 'qris'],
]);

export function schemeOfGuid(guid: string): QrScheme | undefined {
  return GUIDS.get(guid.toUpperCase());
}

/** NAPAS service codes in 38.02. The first two are the VietQR transfer codes; NAPAS defines the other two elsewhere. */
export const NAPAS_SERVICE_CODES = ['QRIBFTTA', 'QRIBFTTC', 'QRPUSH', 'QRCASH'] as const;
