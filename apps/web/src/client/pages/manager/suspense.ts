/** The suspense tab: payments no stall could be matched to, held, and their reallocation. */
import type { JournalEntryView } from '@marketqr/contracts/dist/http/payment-ledger';
import { ledgerApi, onboardingApi, type Json } from '../../api';
import { h } from '../../dom';
import { formatDateTime, formatVnd } from '../../format';
import { t } from '../../i18n';
import { errorMessage, toast } from '../../layout';
import { suggestStall } from '../../stall-hint';
import { outcomeText } from './settlement';

/** A payment the ledger holds on the market (no stall matched): `unmatched`, and not moved or reversed since. */
async function heldPayments(marketId: string): Promise<Json[]> {
  // In suspense: payments that matched no stall, and those held for review (an amount or time the bank would not send).
  const lists = await Promise.all(
    (['unmatched', 'held_for_review'] as const).map((outcome) =>
      ledgerApi.marketPayments({ params: { marketId }, query: { outcome, pageSize: 50 } }),
    ),
  );
  // Newest first, whichever list a payment came from.
  const paidAt = (e: JournalEntryView) => Date.parse(String(e.meta.paidAt ?? e.postedAt)) || 0;
  const entries = lists.flatMap((l) => l.items).sort((a, b) => paidAt(b) - paidAt(a));
  const views = await Promise.all(
    entries.map((e) => ledgerApi.getPayment({ params: { paymentId: String(e.paymentId) } }).catch(() => null)),
  );
  return entries.flatMap((e, i) => {
    const v = views[i];
    if (v && (v.reversed || v.holderMerchantId)) return [];
    const meta = e.meta;
    const amount = Math.max(0, ...e.postings.map((p) => p.amount));
    return [
      {
        paymentId: e.paymentId,
        amount,
        description: meta.description ?? e.description,
        payerName: meta.payerName,
        paidAt: meta.paidAt ?? e.postedAt,
        reason: meta.outcome,
      },
    ];
  });
}

export async function suspense(marketId: string, focus: string | null, rerender: () => void): Promise<Node[]> {
  const [items, active] = await Promise.all([
    heldPayments(marketId),
    onboardingApi.listMarketStalls({ params: { marketId }, query: { status: 'active', pageSize: 100 } }),
  ]);
  const stalls = active.items;
  const intro = h('p', { class: 'muted' }, t('suspense.hint'));
  if (!items.length) return [intro, h('p', { class: 'muted card' }, t('suspense.empty'))];
  return [
    intro,
    h(
      'ul',
      { class: 'cards', 'data-testid': 'suspense' },
      items.map((p) => {
        const id = String(p.paymentId ?? p.id);
        const suggested = suggestStall(
          String(p.description ?? ''),
          stalls.map((s) => s.stallCode),
        );
        const form = h(
          'form',
          { class: 'form' },
          h('label', { for: `to-${id}` }, t('suspense.to')),
          h(
            'select',
            { id: `to-${id}`, name: 'to', required: true },
            h('option', { value: '' }, '—'),
            stalls.map((s) =>
              h(
                'option',
                { value: String(s.id), selected: s.stallCode === suggested },
                `${s.stallCode} · ${(s.vendor as Json)?.fullName ?? ''}`,
              ),
            ),
          ),
          suggested
            ? h('div', { class: 'muted', 'data-testid': 'suggested' }, t('suspense.suggested', { code: suggested }))
            : null,
          h('label', { for: `reason-${id}` }, t('suspense.reason')),
          // Empty: the audit log must record the check the manager actually made, not a sentence nobody typed.
          h('input', {
            id: `reason-${id}`,
            name: 'reason',
            placeholder: t('suspense.reason.placeholder'),
            minlength: 3,
            required: true,
          }),
          h('button', { type: 'submit', class: 'btn primary' }, t('suspense.submit')),
        );
        form.addEventListener('submit', (ev) => {
          ev.preventDefault();
          const data = new FormData(form);
          const to = String(data.get('to') ?? '');
          if (!to) return;
          const stall = stalls.find((s) => s.id === to);
          // Money moves for good: say what and where before doing it.
          const question = t('suspense.confirm', {
            amount: formatVnd(Number(p.amount)),
            code: String(stall?.stallCode ?? to),
          });
          if (!window.confirm(question)) return;
          ledgerApi
            .reallocatePayment({
              params: { paymentId: id },
              body: { toMerchantId: to, reason: String(data.get('reason') ?? '') },
            })
            .then(() => {
              toast(t('suspense.done', { amount: formatVnd(Number(p.amount)), code: String(stall?.stallCode ?? to) }));
              rerender();
            })
            .catch((e: unknown) => toast(errorMessage(e), 'error'));
        });
        return h(
          'li',
          { class: `card${focus === id ? ' focus' : ''}`, 'data-payment-id': id },
          h(
            'div',
            { class: 'row spread' },
            h('strong', { class: 'big' }, formatVnd(Number(p.amount))),
            h('time', { class: 'muted' }, formatDateTime(String(p.paidAt ?? p.bookedAt ?? ''))),
          ),
          p.description ? h('div', {}, `“${p.description}”`) : null,
          p.payerName ? h('div', { class: 'muted' }, String(p.payerName)) : null,
          p.reason
            ? h('div', { class: 'muted' }, t('suspense.reason.label', { reason: outcomeText(String(p.reason)) }))
            : null,
          form,
        );
      }),
    ),
  ];
}
