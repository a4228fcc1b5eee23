import banksJson from '../data/vn-banks.json';

export interface BankInfo {
  bin: string;
  code: string;
  shortName: string;
  name: string;
}

/**
 * The banks and wallets that take VietQR transfers, keyed by BIN: the vietqr.io list, the same file as
 * packages/vietqr/src/banks.json.
 */
export class BankDirectory {
  private readonly byBin: Map<string, BankInfo>;
  constructor(banks: BankInfo[] = banksJson as BankInfo[]) {
    this.byBin = new Map(banks.map((b) => [b.bin, b]));
  }
  get(bin: string): BankInfo | undefined {
    return this.byBin.get(bin);
  }
  all(): BankInfo[] {
    return [...this.byBin.values()];
  }
}
