import { AppError, conflict, KeyedMutex, notFound } from '@marketqr/service-kit';
import type { ChargeAgreementDoc, ChargeItem, ChargePlanDoc, Models } from '../store/models';

export interface ChargesView {
  merchantId: string;
  plan: { items: ChargeItem[]; version: number; totalPerDay: number; updatedBy: string; updatedAt: Date } | null;
  agreement: { planVersion: number; agreed: boolean; at: Date } | null;
  /** Whether the plan in force is netted from payouts: the vendor agreed to exactly this version. */
  netted: boolean;
}

/**
 * Market charges (stall rent, cleaning) a manager sets per stall, netted from the payout only with the vendor's
 * consent to that exact plan version: a manager who raises the rent cannot have the new amount deducted until the
 * vendor agrees again.
 */
export class ChargesService {
  private readonly lock = new KeyedMutex();

  constructor(private readonly models: Models) {}

  async view(merchantId: string): Promise<ChargesView> {
    const [plan, agreement] = await Promise.all([
      this.models.ChargePlan.findById(merchantId).lean<ChargePlanDoc>(),
      this.models.ChargeAgreement.findById(merchantId).lean<ChargeAgreementDoc>(),
    ]);
    return {
      merchantId,
      plan: plan
        ? {
            items: plan.items.map(({ code, label, amount }) => ({ code, label, amount })),
            version: plan.version,
            totalPerDay: plan.items.reduce((s, i) => s + i.amount, 0),
            updatedBy: plan.updatedBy,
            updatedAt: plan.updatedAt,
          }
        : null,
      agreement: agreement ? { planVersion: agreement.planVersion, agreed: agreement.agreed, at: agreement.at } : null,
      netted: !!plan && !!agreement && agreement.agreed && agreement.planVersion === plan.version,
    };
  }

  /**
   * What each stall's line nets per traded day, and under which plan version (none when nothing is agreed), for many
   * stalls in two queries (a market's cut-off).
   */
  async nettedFor(
    merchantIds: string[],
  ): Promise<Map<string, { amount: number; planVersion: number | null; items: ChargeItem[] }>> {
    const [plans, agreements] = await Promise.all([
      this.models.ChargePlan.find({ _id: { $in: merchantIds } }).lean<ChargePlanDoc[]>(),
      this.models.ChargeAgreement.find({ _id: { $in: merchantIds } }).lean<ChargeAgreementDoc[]>(),
    ]);
    const agreed = new Map(agreements.filter((a) => a.agreed).map((a) => [a._id, a.planVersion]));
    const out = new Map<string, { amount: number; planVersion: number | null; items: ChargeItem[] }>();
    for (const plan of plans) {
      if (agreed.get(plan._id) !== plan.version) continue;
      const items = plan.items.map(({ code, label, amount }) => ({ code, label, amount }));
      out.set(plan._id, { amount: items.reduce((s, i) => s + i.amount, 0), planVersion: plan.version, items });
    }
    return out;
  }

  async setPlan(merchantId: string, marketId: string, items: ChargeItem[], by: string): Promise<ChargesView> {
    const codes = items.map((i) => i.code);
    if (new Set(codes).size !== codes.length) {
      throw new AppError('SETTLEMENT.DUPLICATE_CHARGE', 'charge codes must be unique within a plan', 400);
    }
    await this.lock.run(`plan:${merchantId}`, async () => {
      const current = await this.models.ChargePlan.findById(merchantId).lean<ChargePlanDoc>();
      const doc: ChargePlanDoc = {
        _id: merchantId,
        marketId,
        items,
        version: (current?.version ?? 0) + 1,
        updatedBy: by,
        updatedAt: new Date(),
      };
      await this.models.ChargePlan.replaceOne({ _id: merchantId }, doc, { upsert: true });
    });
    return this.view(merchantId);
  }

  /** The vendor agrees (or withdraws) for the plan version it was shown; a stale version is refused. */
  async agree(merchantId: string, planVersion: number, agreed: boolean, by: string): Promise<ChargesView> {
    await this.lock.run(`agreement:${merchantId}`, async () => {
      const plan = await this.models.ChargePlan.findById(merchantId).lean<ChargePlanDoc>();
      if (!plan) throw notFound('SETTLEMENT.NO_CHARGE_PLAN', 'this stall has no market charges to agree to');
      if (plan.version !== planVersion) {
        throw conflict(
          'SETTLEMENT.PLAN_VERSION_MISMATCH',
          'the charges changed since they were shown; read them again',
          {
            currentVersion: plan.version,
          },
        );
      }
      const doc: ChargeAgreementDoc = { _id: merchantId, planVersion, agreed, by, at: new Date() };
      await this.models.ChargeAgreement.replaceOne({ _id: merchantId }, doc, { upsert: true });
    });
    return this.view(merchantId);
  }
}
