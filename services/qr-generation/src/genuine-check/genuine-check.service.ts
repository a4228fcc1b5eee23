import type { Logger } from 'pino';
import type { Outbox } from '@marketqr/messaging';
import { AppError, storableText } from '@marketqr/service-kit';
import { qrCheckFlaggedEvent, qrReportedEvent } from '../events';
import { newCheckId } from '../domain/codes';
import { effectiveStatus, type Merchant, type QrRecord } from '../domain/model';
import {
  classifyPayload,
  decide,
  imitatedStall,
  VERDICT_MESSAGES,
  type Decision,
  type DecodedSummary,
  type Verdict,
} from '../domain/verdict';
import type { QrMetrics } from '../metrics';
import type { MerchantStore } from '../store/merchant-store';
import type { Models } from '../store/models';
import type { GenuineCheckRecord } from './genuine-check.record';

export interface CheckAnswer {
  verdict: Verdict;
  flagged: boolean;
  message: string;
  messageEn: string;
  stall: {
    merchantId: string;
    stallCode: string;
    vendorName: string;
    marketId: string;
    marketName: string;
    zone: string;
    status: string | null;
  } | null;
  qr: {
    id: string;
    kind: string;
    status: string;
    posterSerial: string | null;
    orderCode: string | null;
    amount: number | null;
    issuedAt: string;
    expiresAt: string | null;
    revokedAt: string | null;
    revokedReasonCode: string | null;
  } | null;
  /** UNKNOWN_ACCOUNT: the stall whose poster this code copies while paying someone else (a fake sticker). */
  imitates: CheckAnswer['stall'];
  decoded: DecodedSummary;
  /** The id of the stored record, for flagged answers. */
  checkId: string | null;
}

const PAYLOAD_STORED_MAX = 1_024;

/** "Is this QR genuine?": reads a payload, looks it up in the registry of issued QRs and our stalls' accounts. */
export class GenuineCheckService {
  constructor(
    private readonly deps: {
      models: Models;
      merchants: MerchantStore;
      metrics: QrMetrics;
      logger: Logger;
      outbox: Outbox;
    },
  ) {}

  async check(
    text: string,
    input: 'payload' | 'image',
    now = new Date(),
    reportedMarketId: string | null = null,
  ): Promise<CheckAnswer> {
    const c = classifyPayload(text);
    let decision: Decision;
    let stallFallback: QrRecord | null = null;
    if (c.kind === 'final') {
      decision = { verdict: c.verdict, qr: null, merchant: null, stallId: null };
    } else {
      const { models, merchants } = this.deps;
      const [registered, merchantByAccount] = await Promise.all([
        models.Qr.find({ payloadHash: c.hash }, { outboxWriteIds: 0 }).lean<QrRecord[]>().exec(),
        merchants.byAccountKey(c.accountKey),
      ]);
      const anyQrForAccount =
        registered.length || merchantByAccount
          ? null
          : await models.Qr.findOne({ accountKey: c.accountKey }, { outboxWriteIds: 0 })
              .sort({ issuedAt: -1 })
              .lean<QrRecord>()
              .exec();
      const ids = [...new Set(registered.map((q) => q.merchantId))];
      const found = ids.length
        ? await models.Merchant.find({ _id: { $in: ids } })
            .lean<Merchant[]>()
            .exec()
        : [];
      // Only for a code that pays none of our accounts: which stall's poster it copies (extra reads on a rare path).
      const imitated =
        registered.length || merchantByAccount || anyQrForAccount
          ? null
          : await imitatedStall(c.decoded, {
              bySerial: async (serial) => {
                const poster = await models.Qr.findOne({ posterSerial: serial }, { merchantId: 1 })
                  .lean<Pick<QrRecord, 'merchantId'>>()
                  .exec();
                return poster ? merchants.get(poster.merchantId) : null;
              },
              byStallCode: (code) => models.Merchant.find({ stallCode: code }).lean<Merchant[]>().exec(),
            });
      decision = decide(
        c,
        {
          registered,
          merchantByAccount,
          anyQrForAccount,
          merchantsById: new Map(found.map((m) => [m._id, m])),
          imitated,
        },
        now,
      );
      stallFallback = decision.qr ?? anyQrForAccount;
    }

    const flagged = decision.verdict !== 'GENUINE';
    const imitates = decision.imitates ?? null;
    const answer: CheckAnswer = {
      verdict: decision.verdict,
      flagged,
      message: imitates ? imitationMessage(imitates).vi : VERDICT_MESSAGES[decision.verdict].vi,
      messageEn: imitates ? imitationMessage(imitates).en : VERDICT_MESSAGES[decision.verdict].en,
      stall: stallOf(decision.merchant, stallFallback),
      qr: decision.qr ? qrOf(decision.qr, now) : null,
      imitates: imitates ? stallOf(imitates, null) : null,
      decoded: c.decoded,
      checkId: null,
    };
    this.deps.metrics.m.checks.inc({ verdict: decision.verdict, input });
    if (flagged) answer.checkId = await this.record(answer, c.hash, text, input, decision, reportedMarketId);
    return answer;
  }

  /**
   * The shopper whom a flagged check warned reports the code to the market's management ("Báo mã giả cho ban quản
   * lý"): the check is marked and qr.reported published with it, once. Reporting again answers the first report, so a
   * double tap or a retry raises nothing new. A genuine code has no check id, so it cannot be reported.
   */
  async report(checkId: string, now: Date): Promise<{ checkId: string; reportedAt: string; alreadyReported: boolean }> {
    const { models, outbox } = this.deps;
    const check = await models.GenuineCheck.findById(checkId, { outboxWriteIds: 0 }).lean<GenuineCheckRecord>().exec();
    if (!check) throw new AppError('QR.CHECK_NOT_FOUND', 'no flagged check with this id', 404);
    if (check.reportedAt) {
      return { checkId, reportedAt: check.reportedAt.toISOString(), alreadyReported: true };
    }
    const w = await outbox.update(models.GenuineCheck, {
      filter: { _id: checkId, reportedAt: null },
      update: { $set: { reportedAt: now } },
      events: [qrReportedEvent(check, now)],
    });
    if (!w.written) {
      // A concurrent report won: answer with its time.
      const again = await models.GenuineCheck.findById(checkId, { reportedAt: 1 }).lean<GenuineCheckRecord>().exec();
      return { checkId, reportedAt: (again?.reportedAt ?? now).toISOString(), alreadyReported: true };
    }
    this.deps.metrics.m.reports.inc({ verdict: check.verdict });
    this.deps.logger.info(
      { checkId, verdict: check.verdict, marketId: check.marketId },
      'shopper reported a flagged QR',
    );
    return { checkId, reportedAt: now.toISOString(), alreadyReported: false };
  }

  /** Flagged checks are kept and published (qr.check-flagged); genuine ones are only counted. */
  private async record(
    a: CheckAnswer,
    hash: string | null,
    text: string,
    input: 'payload' | 'image',
    d: Decision,
    reportedMarketId: string | null,
  ): Promise<string> {
    const rec: GenuineCheckRecord = {
      _id: newCheckId(),
      at: new Date(),
      verdict: a.verdict,
      input,
      payload: storableText(text.trim().slice(0, PAYLOAD_STORED_MAX)),
      payloadHash: hash,
      bin: a.decoded.bin,
      accountNumber: a.decoded.accountNumber,
      merchantId: a.stall?.merchantId ?? d.stallId,
      marketId: a.stall?.marketId ?? a.imitates?.marketId ?? null,
      reportedMarketId,
      stallCode: a.stall?.stallCode ?? a.imitates?.stallCode ?? null,
      qrId: d.qr?._id ?? null,
      problems: a.decoded.errors.map((e) => e.code),
    };
    await this.deps.outbox.insert(this.deps.models.GenuineCheck, { ...rec }, [qrCheckFlaggedEvent(rec)]);
    this.deps.logger.info(
      { checkId: rec._id, verdict: rec.verdict, merchantId: rec.merchantId, marketId: rec.marketId, input },
      'genuine check flagged a QR',
    );
    return rec._id;
  }
}

/** What a shopper reads when a code copies a stall's poster but pays someone else. */
function imitationMessage(m: Merchant): { vi: string; en: string } {
  return {
    vi: `Mã QR GIẢ: mã này nhái sạp ${m.stallCode} (${m.vendorName}) nhưng chuyển tiền vào tài khoản của người khác. Đừng thanh toán, hãy báo ban quản lý chợ.`,
    en: `FAKE QR: it copies stall ${m.stallCode} (${m.vendorName}) but pays someone else's account.`,
  };
}

function stallOf(m: Merchant | null, qr: QrRecord | null): CheckAnswer['stall'] {
  if (m) {
    return {
      merchantId: m._id,
      stallCode: m.stallCode,
      vendorName: m.vendorName,
      marketId: m.marketId,
      marketName: m.marketName,
      zone: m.zone,
      status: m.status,
    };
  }
  if (qr) {
    return {
      merchantId: qr.merchantId,
      stallCode: qr.stallCode,
      vendorName: qr.poster.vendorName,
      marketId: qr.marketId,
      marketName: qr.poster.marketName,
      zone: qr.poster.zone,
      status: null,
    };
  }
  return null;
}

function qrOf(qr: QrRecord, now: Date): CheckAnswer['qr'] {
  return {
    id: qr._id,
    kind: qr.kind,
    status: effectiveStatus(qr, now),
    posterSerial: qr.posterSerial,
    orderCode: qr.orderCode,
    amount: qr.amount,
    issuedAt: qr.issuedAt.toISOString(),
    expiresAt: qr.expiresAt ? qr.expiresAt.toISOString() : null,
    revokedAt: qr.revokedAt ? qr.revokedAt.toISOString() : null,
    revokedReasonCode: qr.revokedReasonCode,
  };
}
