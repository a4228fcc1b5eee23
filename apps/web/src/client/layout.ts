import { ApiError } from './api';
import { fill, h } from './dom';
import { errorText, lang, setLang, t, type MessageKey } from './i18n';
import { clearSession, loadSession } from './session';

/** The page header (name, language switch, log out) and helpers every page shares. */
export function header(title: string, onLangChange: () => void): HTMLElement {
  const session = loadSession();
  return h(
    'header',
    { class: 'topbar' },
    h(
      'a',
      { href: '/', class: 'brand', 'aria-label': t('nav.home') },
      h('span', { class: 'logo', 'aria-hidden': 'true' }, 'QR'),
      h('span', { class: 'brand-name' }, t('app.name')),
    ),
    h('h1', { class: 'title' }, title),
    h(
      'div',
      { class: 'top-actions' },
      h(
        'button',
        {
          type: 'button',
          class: 'btn-chip',
          'data-testid': 'lang-toggle',
          lang: lang() === 'vi' ? 'en' : 'vi',
          'aria-label': t('lang.switch'),
          onclick: () => {
            setLang(lang() === 'vi' ? 'en' : 'vi');
            onLangChange();
          },
        },
        t('lang.switch.short'),
      ),
      session
        ? h(
            'button',
            {
              type: 'button',
              class: 'btn-chip',
              onclick: () => {
                clearSession();
                location.href = '/';
              },
            },
            t('nav.logout'),
          )
        : null,
    ),
  );
}

/** Tabs as a row of big buttons; the selected one is `aria-selected`. */
export function tabs<T extends string>(
  items: { id: T; label: string; badge?: number }[],
  selected: T,
  onSelect: (id: T) => void,
  cls = 'tabs',
): HTMLElement {
  return h(
    'nav',
    { class: cls, role: 'tablist' },
    items.map((it) =>
      h(
        'button',
        {
          type: 'button',
          role: 'tab',
          class: 'tab',
          'data-tab': it.id,
          'aria-selected': it.id === selected ? 'true' : 'false',
          onclick: () => onSelect(it.id),
        },
        it.label,
        it.badge ? h('span', { class: 'badge' }, String(it.badge)) : null,
      ),
    ),
  );
}

export function errorMessage(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.code === 'WEB.OFFLINE') return t('common.offline');
    return errorText(e.code, e.message);
  }
  return t('common.error', { message: (e as Error).message });
}

/** The latest `section` call per container: an answer to an earlier one is dropped. */
const latestLoad = new WeakMap<HTMLElement, object>();

/**
 * Renders into `el` what `load` produces; a loading line first, an error with a retry button on failure. Only the
 * latest call for `el` paints: a slow answer for a tab the user has already left never covers the tab now shown.
 * `refresh`: the same content again (a dashboard's figures every minute): what is shown stays until the new answer
 * replaces it, with no loading line in between, and a failed refresh leaves it as it was.
 */
export async function section(
  el: HTMLElement,
  load: () => Promise<Node | Node[]>,
  opts: { refresh?: boolean } = {},
): Promise<void> {
  const ticket = {};
  latestLoad.set(el, ticket);
  const current = () => latestLoad.get(el) === ticket;
  if (!opts.refresh) fill(el, h('p', { class: 'muted' }, t('common.loading')));
  try {
    const out = await load();
    if (current()) fill(el, ...(Array.isArray(out) ? out : [out]));
  } catch (e) {
    if (!current() || opts.refresh) return;
    fill(
      el,
      h('div', { class: 'notice error', role: 'alert' }, errorMessage(e)),
      h('button', { type: 'button', class: 'btn', onclick: () => void section(el, load) }, t('common.retry')),
    );
  }
}

export function label(key: MessageKey, vars?: Record<string, string | number>): string {
  return t(key, vars);
}

/** A short-lived banner at the top (a payment arrived, an action succeeded). */
export function toast(text: string, kind: 'ok' | 'error' = 'ok'): void {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' });
    document.body.appendChild(box);
  }
  const el = h('div', { class: `toast ${kind}`, role: 'status' }, text);
  box.appendChild(el);
  setTimeout(() => el.remove(), 5_000);
}
