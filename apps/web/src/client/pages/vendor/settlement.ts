/** The settle tab: the stall's payout history, one settlement line a business day (gross, fee, net, when paid). */
import { settlementApi } from '../../api';
import { h } from '../../dom';
import { formatDate, formatDateTime, formatVnd } from '../../format';
import { t } from '../../i18n';
import { statusPill } from '../../layout';

export async function settlementView(merchantId: string): Promise<Node[]> {
  const { items } = await settlementApi.stallLines({ params: { merchantId }, query: { pageSize: 30 } });
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
                h('div', { class: 'row spread' }, h('strong', {}, formatDate(l.businessDay)), statusPill(l.state)),
                h(
                  'div',
                  { class: 'row spread' },
                  h('span', {}, t('vendor.settle.gross')),
                  h('span', {}, formatVnd(l.grossAmount)),
                ),
                h(
                  'div',
                  { class: 'row spread muted' },
                  h('span', {}, t('vendor.settle.fee')),
                  h('span', {}, formatVnd(l.feeAmount)),
                ),
                h(
                  'div',
                  { class: 'row spread big' },
                  h('span', {}, t('vendor.settle.net')),
                  h('strong', {}, formatVnd(l.netAmount)),
                ),
                l.payout?.paidAt ? h('div', { class: 'muted' }, formatDateTime(l.payout.paidAt)) : null,
                l.payoutAccount
                  ? h('div', { class: 'muted' }, t('vendor.settle.account', { account: l.payoutAccount.accountNumber }))
                  : null,
              ),
            ),
          )
        : h('p', { class: 'muted' }, t('vendor.settle.empty')),
    ),
  ];
}
