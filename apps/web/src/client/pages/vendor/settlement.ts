/** The settle tab: the stall's payout history, one settlement line a business day (gross, fee, net, when paid). */
import { get, itemsOf, paths, type Json } from '../../api';
import { h } from '../../dom';
import { formatDate, formatDateTime, formatVnd } from '../../format';
import { t } from '../../i18n';
import { statusPill } from '../../layout';

export async function settlementView(merchantId: string): Promise<Node[]> {
  const items = itemsOf(await get(paths.settlementLines(merchantId)));
  return [
    h(
      'section',
      { class: 'card' },
      h('h2', {}, t('vendor.settle.title')),
      items.length
        ? h(
            'ul',
            { class: 'settlements' },
            items.map((l) =>
              h(
                'li',
                { class: 'settlement' },
                h(
                  'div',
                  { class: 'row spread' },
                  h('strong', {}, formatDate(String(l.businessDay))),
                  statusPill(String(l.state)),
                ),
                h(
                  'div',
                  { class: 'row spread' },
                  h('span', {}, t('vendor.settle.gross')),
                  h('span', {}, formatVnd(Number(l.grossAmount ?? 0))),
                ),
                h(
                  'div',
                  { class: 'row spread muted' },
                  h('span', {}, t('vendor.settle.fee')),
                  h('span', {}, formatVnd(Number(l.feeAmount ?? 0))),
                ),
                h(
                  'div',
                  { class: 'row spread big' },
                  h('span', {}, t('vendor.settle.net')),
                  h('strong', {}, formatVnd(Number(l.netAmount ?? 0))),
                ),
                (l.payout as Json | null)?.paidAt
                  ? h('div', { class: 'muted' }, formatDateTime(String((l.payout as Json).paidAt)))
                  : null,
                l.payoutAccount
                  ? h(
                      'div',
                      { class: 'muted' },
                      t('vendor.settle.account', { account: String((l.payoutAccount as Json).accountNumber ?? '') }),
                    )
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('vendor.settle.empty')),
    ),
  ];
}
