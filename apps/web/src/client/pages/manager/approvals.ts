/** The approvals tab: stalls waiting for the market's approval, and the decision. */
import type { StallView } from '@marketqr/contracts/dist/http/merchant-onboarding';
import { onboardingApi } from '../../api';
import { h } from '../../dom';
import { t, type MessageKey } from '../../i18n';
import { errorMessage, statusPill, toast } from '../../layout';
import { categoryName, labelOf } from '../../labels';

export async function approvals(marketId: string, focus: string | null, rerender: () => void): Promise<Node[]> {
  const list = (query: { status?: 'verified' | 'pending_verification'; verification?: 'name_mismatch' }) =>
    onboardingApi.listMarketStalls({ params: { marketId }, query: { ...query, pageSize: 100 } });
  const [verified, pending, mismatch, banks] = await Promise.all([
    list({ status: 'verified' }),
    list({ status: 'pending_verification' }),
    list({ verification: 'name_mismatch' }),
    onboardingApi.listBanks({}).catch(() => null),
  ]);
  const bankNames = new Map((banks?.items ?? []).map((b) => [b.bin, b.shortName]));
  const seen = new Set<string>();
  const stalls: StallView[] = [...mismatch.items, ...verified.items, ...pending.items].filter((s) => {
    if (seen.has(s.id)) return false;
    seen.add(s.id);
    return true;
  });
  if (focus && !seen.has(focus)) {
    const one = await onboardingApi.getStall({ params: { stallId: focus } }).catch(() => null);
    if (one?.stall) stalls.unshift(one.stall);
  }
  if (!stalls.length) return [h('p', { class: 'muted card' }, t('approvals.empty'))];
  const act = async (fn: () => Promise<unknown>, code: string) => {
    try {
      await fn();
      toast(t('approvals.done', { code }));
      rerender();
    } catch (e) {
      toast(errorMessage(e), 'error');
    }
  };
  const askNote = (): string | null => {
    const note = window.prompt(t('approvals.note.prompt'), '');
    return note && note.trim().length >= 3 ? note.trim() : null;
  };
  return [
    h(
      'ul',
      { class: 'cards', 'data-testid': 'approval-queue' },
      stalls.map((s) => {
        const v = s.verification;
        const code = s.stallCode;
        const state = v.state;
        const vendor = s.vendor;
        const account = s.payoutAccount;
        const stallId = s.id;
        return h(
          'li',
          {
            class: `card stall${focus === s.id ? ' focus' : ''}${state === 'name_mismatch' ? ' warn' : ''}`,
            'data-stall-id': s.id,
          },
          h(
            'div',
            { class: 'stall-head' },
            h('strong', { class: 'big' }, `${code} · ${vendor.fullName}`),
            statusPill(s.status),
          ),
          h('div', { class: 'muted' }, `${labelOf('zone', s.zone)} · ${categoryName(s.category)} · ${vendor.phone}`),
          h('div', {}, t(`verification.${state}` as MessageKey)),
          state === 'name_mismatch'
            ? h(
                'div',
                { class: 'notice warn' },
                h('div', {}, t('approvals.typed', { name: vendor.fullName })),
                h('div', {}, t('approvals.bank', { name: v.bankHolderName ?? '—' })),
              )
            : null,
          h(
            'div',
            { class: 'muted' },
            t('approvals.account', {
              bank: bankNames.get(account.bin) ?? account.bin,
              account: account.accountNumber,
            }),
          ),
          h(
            'div',
            { class: 'row wrap' },
            s.status === 'verified'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'btn primary',
                    'data-action': 'approve',
                    onclick: () => void act(() => onboardingApi.approveStall({ params: { stallId } }), code),
                  },
                  t('approvals.approve'),
                )
              : null,
            state === 'name_mismatch'
              ? [
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn primary',
                      'data-action': 'accept',
                      onclick: () => {
                        const note = askNote();
                        if (note) void act(() => review(stallId, 'accept', note), code);
                      },
                    },
                    t('approvals.accept'),
                  ),
                  h(
                    'button',
                    {
                      type: 'button',
                      class: 'btn danger',
                      'data-action': 'reject',
                      onclick: () => {
                        const note = askNote();
                        if (note) void act(() => review(stallId, 'reject', note), code);
                      },
                    },
                    t('approvals.reject'),
                  ),
                ]
              : null,
            state === 'pending'
              ? h(
                  'button',
                  {
                    type: 'button',
                    class: 'btn',
                    onclick: () => void act(() => onboardingApi.retryVerification({ params: { stallId } }), code),
                  },
                  t('approvals.retry'),
                )
              : null,
          ),
        );
      }),
    ),
  ];
}

const review = (stallId: string, decision: 'accept' | 'reject', note: string) =>
  onboardingApi.reviewVerification({ params: { stallId }, body: { decision, note } });
