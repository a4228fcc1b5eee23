/** The approvals tab: stalls waiting for the market's approval, and the decision. */
import { get, itemsOf, paths, post, type Json } from '../../api';
import { h } from '../../dom';
import { t, type MessageKey } from '../../i18n';
import { errorMessage, statusPill, toast } from '../../layout';
import { categoryName, labelOf } from '../../labels';

export async function approvals(marketId: string, focus: string | null, rerender: () => void): Promise<Node[]> {
  const [verified, pending, mismatch, banks] = await Promise.all([
    get(paths.marketStalls(marketId, 'status=verified&pageSize=100')),
    get(paths.marketStalls(marketId, 'status=pending_verification&pageSize=100')),
    get(paths.marketStalls(marketId, 'verification=name_mismatch&pageSize=100')),
    get(paths.banks).catch(() => null),
  ]);
  const bankNames = new Map(itemsOf(banks).map((b) => [String(b.bin), String(b.shortName)]));
  const seen = new Set<string>();
  const stalls = [...itemsOf(mismatch), ...itemsOf(verified), ...itemsOf(pending)].filter((s) => {
    const id = String(s.id);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  if (focus && !seen.has(focus)) {
    const one = await get(paths.stall(focus)).catch(() => null);
    if (one?.stall) stalls.unshift(one.stall as Json);
  }
  if (!stalls.length) return [h('p', { class: 'muted card' }, t('approvals.empty'))];
  const act = async (fn: () => Promise<Json>, code: string) => {
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
        const v = (s.verification ?? {}) as Json;
        const code = String(s.stallCode);
        const state = String(v.state ?? '');
        const vendor = (s.vendor ?? {}) as Json;
        const account = (s.payoutAccount ?? {}) as Json;
        return h(
          'li',
          {
            class: `card stall${focus === s.id ? ' focus' : ''}${state === 'name_mismatch' ? ' warn' : ''}`,
            'data-stall-id': String(s.id),
          },
          h(
            'div',
            { class: 'stall-head' },
            h('strong', { class: 'big' }, `${code} · ${vendor.fullName ?? ''}`),
            statusPill(String(s.status)),
          ),
          h(
            'div',
            { class: 'muted' },
            `${labelOf('zone', String(s.zone))} · ${categoryName(String(s.category))} · ${vendor.phone ?? ''}`,
          ),
          h('div', {}, t(`verification.${state}` as MessageKey)),
          state === 'name_mismatch'
            ? h(
                'div',
                { class: 'notice warn' },
                h('div', {}, t('approvals.typed', { name: String(vendor.fullName ?? '') })),
                h('div', {}, t('approvals.bank', { name: String(v.bankHolderName ?? '—') })),
              )
            : null,
          h(
            'div',
            { class: 'muted' },
            t('approvals.account', {
              bank: bankNames.get(String(account.bin)) ?? String(account.bin ?? ''),
              account: String(account.accountNumber ?? ''),
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
                    onclick: () => void act(() => post(paths.approve(String(s.id))), code),
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
                        if (note) void act(() => post(paths.review(String(s.id)), { decision: 'accept', note }), code);
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
                        if (note) void act(() => post(paths.review(String(s.id)), { decision: 'reject', note }), code);
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
                    onclick: () => void act(() => post(paths.retryVerification(String(s.id))), code),
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
