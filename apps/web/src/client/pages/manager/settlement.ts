/** The settlement tab: payout batches, their lines, and the bank's reconciliation with its differences. */
import type { SettlementLineView } from '@marketqr/contracts/dist/http/settlement';
import { paths, settlementApi, withToken, type Json } from '../../api';
import { h } from '../../dom';
import { businessDay, formatCount, formatDate, formatDateTime, formatVnd } from '../../format';
import { t, type MessageKey } from '../../i18n';
import { errorMessage, statusPill, toast } from '../../layout';

/** The day the reconciliation card shows: today (the demo's day) until the manager picks another. */
let reconDay: string | null = null;

export async function settlement(marketId: string, focus: string | null, rerender: () => void): Promise<Node[]> {
  const day = (reconDay ??= businessDay());
  const dayInput = h('input', { type: 'date', id: 'recon-day', value: day, max: businessDay() });
  dayInput.addEventListener('change', () => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(dayInput.value)) {
      reconDay = dayInput.value;
      rerender();
    }
  });
  const [batches, attention, recon, focused] = await Promise.all([
    settlementApi.listBatches({ params: { marketId }, query: { pageSize: 14 } }),
    settlementApi.marketLines({ params: { marketId }, query: { state: 'needs_attention', pageSize: 50 } }),
    // A reconciliation that could not be made (the bank's statement unreadable) is itself something to handle.
    settlementApi.reconciliation({ params: { marketId }, query: { day } }).then(
      (r) => ({ report: r.reconciliation as Json | null, error: null }),
      (e: unknown) => ({ report: null, error: errorMessage(e) }),
    ),
    focus ? settlementApi.getLine({ params: { lineId: focus } }).catch(() => null) : Promise.resolve(null),
  ]);
  const lines: SettlementLineView[] = [...attention.items];
  const differences = reconDifferences(recon.report);
  if (focused?.line && !lines.some((l) => l.id === focus)) lines.unshift(focused.line);
  const retry = (id: string) =>
    settlementApi
      .retryLine({ params: { lineId: id } })
      .then(rerender)
      .catch((e: unknown) => toast(errorMessage(e), 'error'));
  return [
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('settle.attention')),
      lines.length
        ? h(
            'ul',
            { class: 'plain', 'data-testid': 'attention-lines' },
            lines.map((l) => {
              return h(
                'li',
                { class: `line${focus === l.id ? ' focus' : ''}`, 'data-line-id': String(l.id) },
                h(
                  'div',
                  { class: 'row spread' },
                  h('strong', {}, `${l.stallCode ?? ''} · ${l.vendorName ?? ''}`),
                  statusPill(String(l.state)),
                ),
                h(
                  'div',
                  { class: 'row spread' },
                  h('span', { class: 'muted' }, formatDate(String(l.businessDay))),
                  h('strong', {}, formatVnd(Number(l.netAmount ?? 0))),
                ),
                // What the bank said last, in words (the error is an object: its message is what a person reads).
                l.payout?.lastError ? h('div', { class: 'muted' }, l.payout.lastError.message) : null,
                l.state === 'needs_attention'
                  ? h(
                      'button',
                      { type: 'button', class: 'btn', onclick: () => void retry(String(l.id)) },
                      t('settle.retry'),
                    )
                  : null,
              );
            }),
          )
        : null,
      recon.error
        ? h(
            'div',
            { class: 'notice error', 'data-testid': 'recon-unavailable' },
            t('recon.attention.unavailable', { day: formatDate(day), reason: recon.error }),
          )
        : null,
      differences.length ? reconAttention(recon.report!, differences, marketId, day) : null,
      !lines.length && !recon.error && !differences.length
        ? h('p', { class: 'muted' }, t('settle.attention.empty', { day: formatDate(day) }))
        : null,
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('settle.batches')),
      batches.items.length
        ? h(
            'ul',
            { class: 'plain', 'data-testid': 'batches' },
            batches.items.map((b) =>
              h(
                'li',
                { class: 'batch' },
                h(
                  'div',
                  { class: 'row spread' },
                  h('strong', {}, formatDate(String(b.businessDay))),
                  statusPill(String(b.state)),
                ),
                h(
                  'div',
                  { class: 'row spread muted' },
                  h('span', {}, t('settle.lines', { n: Number(b.lineCount ?? 0) })),
                  h('strong', {}, formatVnd(Number(b.totalNetAmount ?? 0))),
                ),
                b.linesByState
                  ? h(
                      'div',
                      { class: 'row wrap' },
                      Object.entries(b.linesByState as Record<string, number>).map(([state, n]) =>
                        h('span', { class: `pill status-${state}` }, `${statusText(state)}: ${n}`),
                      ),
                    )
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('settle.batches.empty')),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('settle.reconciliation')),
      h('label', { for: 'recon-day' }, t('settle.reconciliation.day')),
      dayInput,
      recon.report ? reconciliationSummary(recon.report) : h('p', { class: 'muted' }, t('common.none')),
      h(
        'a',
        {
          class: 'btn block',
          href: withToken(paths.reconciliationCsv(marketId, day)),
          download: true,
          'data-testid': 'recon-csv',
        },
        t('recon.csv'),
      ),
    ),
  ];
}

export function outcomeText(outcome: string): string {
  const key = `outcome.${outcome}` as MessageKey;
  const text = t(key);
  return text === key ? outcome : text;
}

function statusText(state: string): string {
  const key = `status.${state}` as MessageKey;
  const text = t(key);
  return text === key ? state : text;
}

function reconciliationSummary(r: Json): HTMLElement {
  const sum = (r.summary ?? {}) as Json;
  const pair = (v: unknown) => {
    const o = (v ?? {}) as Json;
    return `${formatVnd(Number(o.ours ?? 0))} / ${formatVnd(Number(o.bank ?? 0))}`;
  };
  return h(
    'dl',
    { class: 'facts', 'data-testid': 'reconciliation' },
    h('dt', {}, t('recon.matched')),
    h('dd', {}, formatCount(Number(sum.matched ?? 0))),
    h('dt', {}, t('recon.missing_ours')),
    h('dd', {}, formatCount(Number(sum.missing_ours ?? 0))),
    h('dt', {}, t('recon.missing_at_bank')),
    h('dd', {}, formatCount(Number(sum.missing_at_bank ?? 0))),
    h('dt', {}, t('recon.amount_differs')),
    h('dd', {}, formatCount(Number(sum.amount_differs ?? 0))),
    h('dt', {}, t('recon.credits')),
    h('dd', {}, pair(sum.credits)),
    h('dt', {}, t('recon.payouts')),
    h('dd', {}, pair(sum.payouts)),
  );
}

// ---------------------------------------------------------------- reconciliation differences

type ReconItem = {
  category: 'missing_ours' | 'missing_at_bank' | 'amount_differs';
  kind: 'credit' | 'payout';
  ourAmount: number | null;
  bankAmount: number | null;
  [key: string]: unknown;
};

/** How much one difference is off, in đồng: the whole amount when one side has none. */
const gapOf = (i: ReconItem) => Math.abs((i.bankAmount ?? 0) - (i.ourAmount ?? 0));

/** The items of a reconciliation that do not match, largest gap first. */
export function reconDifferences(report: Json | null): ReconItem[] {
  const items = Array.isArray(report?.items) ? (report!.items as ReconItem[]) : [];
  return items.filter((i) => i.category !== ('matched' as string)).sort((a, b) => gapOf(b) - gapOf(a));
}

/** What one difference means, in a sentence a market manager reads without the CSV. */
export function reconProblem(i: ReconItem): string {
  const stall = i.stallCode
    ? t('recon.stall', { code: String(i.stallCode), name: String(i.vendorName ?? '') })
    : t('recon.stall.unknown');
  return t(`recon.item.${i.kind}.${i.category}` as MessageKey, {
    amount: formatVnd(Number(i.bankAmount ?? i.ourAmount ?? 0)),
    ours: formatVnd(Number(i.ourAmount ?? 0)),
    bank: formatVnd(Number(i.bankAmount ?? 0)),
    stall,
  });
}

/** Shown before the rest is folded away: a long list of differences would push everything else off the screen. */
const RECON_SHOWN = 10;

/**
 * The reconciliation's differences as things to handle: the day's totals as the bank and we see them, then each
 * difference said in words with what to do about it, its details (time, transaction, account, description) and, for a
 * payout, the settlement line it belongs to.
 */
function reconAttention(report: Json, items: ReconItem[], marketId: string, day: string): HTMLElement {
  const sum = (report.summary ?? {}) as Json;
  const total = (key: 'credits' | 'payouts') => {
    const o = (sum[key] ?? {}) as Json;
    const ours = Number(o.ours ?? 0);
    const bank = Number(o.bank ?? 0);
    return ours === bank
      ? null
      : h(
          'div',
          { class: 'muted' },
          t(`recon.attention.${key}`, {
            bank: formatVnd(bank),
            ours: formatVnd(ours),
            gap: formatVnd(Math.abs(bank - ours)),
          }),
        );
  };
  const item = (i: ReconItem) => {
    const fact = (key: MessageKey, value: unknown) =>
      value === null || value === undefined || value === '' ? [] : [h('dt', {}, t(key)), h('dd', {}, String(value))];
    return h(
      'li',
      { class: 'line recon-diff', 'data-recon-category': i.category, 'data-recon-kind': i.kind },
      h('strong', {}, reconProblem(i)),
      h('div', { class: 'muted' }, t(`recon.advice.${i.kind}.${i.category}` as MessageKey)),
      h(
        'div',
        { class: 'row wrap' },
        i.kind === 'credit' && i.category === 'missing_ours'
          ? h('a', { class: 'btn', href: '/manager/suspense' }, t('manager.tab.suspense'))
          : null,
        i.settlementLineId
          ? h(
              'a',
              { class: 'btn', href: `/manager/settlement-lines/${encodeURIComponent(String(i.settlementLineId))}` },
              t('recon.line'),
            )
          : null,
      ),
      h(
        'details',
        {},
        h('summary', {}, t('recon.details')),
        h(
          'dl',
          { class: 'facts' },
          fact('recon.fact.time', i.at ? formatDateTime(String(i.at)) : null),
          fact('recon.fact.transaction', i.bankTransactionId),
          fact('recon.fact.payout', i.payoutId),
          fact('recon.fact.account', i.account),
          fact('recon.fact.payment', i.paymentId),
          fact('recon.fact.description', i.description),
        ),
      ),
    );
  };
  const rest = items.slice(RECON_SHOWN);
  return h(
    'div',
    { class: 'recon-attention', 'data-testid': 'recon-attention' },
    h('h3', {}, t('recon.attention.title', { day: formatDate(day), n: formatCount(items.length) })),
    total('credits'),
    total('payouts'),
    h('ul', { class: 'plain' }, items.slice(0, RECON_SHOWN).map(item)),
    rest.length
      ? h(
          'details',
          {},
          h('summary', {}, t('recon.more', { n: formatCount(rest.length) })),
          h('ul', { class: 'plain' }, rest.map(item)),
        )
      : null,
    // The CSV of these differences is the reconciliation card's download, just below: one button, not two.
  );
}
