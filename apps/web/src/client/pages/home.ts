import { fill, h } from '../dom';
import { t } from '../i18n';
import { icon } from '../icons';
import { header } from '../layout';
import { homeOf, loadSession } from '../session';

export function homePage(root: HTMLElement): void {
  const render = () => {
    document.title = t('app.name');
    const session = loadSession();
    fill(
      root,
      header('', render),
      h(
        'main',
        { class: 'page home' },
        h('p', { class: 'lead' }, t('app.tagline')),
        session
          ? h(
              'a',
              { class: 'btn primary block', href: homeOf(session.user.role) },
              t('home.continue', { name: session.user.fullName }),
            )
          : null,
        h(
          'div',
          { class: 'choices' },
          choice('/login?role=vendor', 'stall', t('home.vendor'), t('home.vendor.hint')),
          choice('/login?role=manager', 'office', t('home.manager'), t('home.manager.hint')),
          choice('/shopper', 'phone', t('home.shopper'), t('home.shopper.hint')),
        ),
      ),
    );
  };
  render();
}

function choice(href: string, iconName: string, title: string, hint: string): HTMLElement {
  return h(
    'a',
    { class: 'choice', href },
    h('span', { class: 'choice-icon' }, icon(iconName, 36)),
    h('span', { class: 'choice-text' }, h('strong', {}, title), h('small', {}, hint)),
  );
}
