/** The poster tab: the stall's static QR poster to print (PDF A6/A5) or download (PNG). */
import type { QrView } from '@marketqr/contracts/dist/http/qr-generation';
import { ApiError, paths, qrApi, withToken } from '../../api';
import { h } from '../../dom';
import { t } from '../../i18n';

export async function posterView(merchantId: string): Promise<Node[]> {
  let qr: QrView;
  try {
    qr = (await qrApi.currentPoster({ params: { merchantId } })).qr;
  } catch (e) {
    if (e instanceof ApiError && (e.code === 'QR.NOT_FOUND' || e.code === 'QR.STALL_NOT_FOUND')) {
      return [
        h('section', { class: 'card' }, h('h2', {}, t('vendor.poster.title')), h('p', {}, t('vendor.poster.none'))),
      ];
    }
    throw e;
  }
  const links = qr.links;
  const pdf = (size: string) => withToken(`${paths.qrLink(String(links.posterPdf))}?size=${size}`);
  return [
    h(
      'section',
      { class: 'card poster' },
      h('h2', {}, t('vendor.poster.title')),
      h('p', { class: 'muted' }, t('vendor.poster.hint')),
      h('img', {
        class: 'poster-preview',
        src: withToken(`${paths.qrLink(String(links.posterPng))}?size=A6&dpi=96`),
        alt: t('vendor.poster.title'),
        loading: 'lazy',
      }),
      qr.posterSerial
        ? h('p', { class: 'muted' }, t('vendor.poster.serial', { serial: String(qr.posterSerial) }))
        : null,
      h(
        'div',
        { class: 'stack' },
        h(
          'a',
          {
            class: 'btn primary block',
            href: pdf('A6'),
            target: '_blank',
            rel: 'noopener',
            'data-testid': 'poster-pdf',
          },
          t('vendor.poster.pdfA6'),
        ),
        h('a', { class: 'btn block', href: pdf('A5'), target: '_blank', rel: 'noopener' }, t('vendor.poster.pdfA5')),
        h(
          'a',
          {
            class: 'btn block',
            href: withToken(`${paths.qrLink(String(links.posterPng))}?size=A5&dpi=200`),
            download: `poster-${qr.stallCode ?? 'stall'}.png`,
          },
          t('vendor.poster.png'),
        ),
      ),
    ),
  ];
}
