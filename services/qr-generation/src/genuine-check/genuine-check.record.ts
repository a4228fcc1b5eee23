import type { Verdict } from '../domain/verdict';

/**
 * A check that flagged something, kept for managers and published as qr.check-flagged (market-insights alerts): a cluster of UNKNOWN_ACCOUNT
 * answers at one market is what a fake QR stuck over real posters looks like. Nothing about the person who checked.
 */
export interface GenuineCheckRecord {
  _id: string;
  at: Date;
  verdict: Verdict;
  input: 'payload' | 'image';
  /** What was read, cut to 1,024 characters. */
  payload: string;
  payloadHash: string | null;
  bin: string | null;
  accountNumber: string | null;
  /** The stall the payload points at (registered QR or account), when it points at one of ours. */
  merchantId: string | null;
  marketId: string | null;
  /** The market the check was made from (`?marketId=` on the request), when the caller said. */
  reportedMarketId: string | null;
  stallCode: string | null;
  qrId: string | null;
  /** Decoder error codes, e.g. QR.CRC_MISMATCH. */
  problems: string[];
  /** When the shopper who saw the warning reported the code to the market's management (once per check). */
  reportedAt?: Date | null;
}
