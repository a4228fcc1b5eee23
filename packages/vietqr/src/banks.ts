import bankList from './banks.json';

/** A bank or wallet that takes NAPAS 247 transfers, as listed in banks.json (vietqr.io list of 2025-12-02). */
export interface BankInfo {
  /** 6-digit acquirer BIN, the value of 38.01.00. Not always 9704xx: MoMo is 971025, CAKE 546034. */
  bin: string;
  /** Short bank code used by NAPAS and bank apps (VCB, MB, ...). */
  code: string;
  shortName: string;
  /** Full legal name, with Vietnamese diacritics. */
  name: string;
}

/** Every known bank, in the order of the source list. */
export const BANKS: readonly BankInfo[] = Object.freeze(bankList.map((b) => Object.freeze({ ...b })));

const BY_BIN: ReadonlyMap<string, BankInfo> = new Map(BANKS.map((b) => [b.bin, b]));

export function findBank(bin: string): BankInfo | undefined {
  return BY_BIN.get(bin);
}
