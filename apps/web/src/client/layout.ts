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
              'data-testid': 'logout',
              // A stray tap in a busy stall must not log the vendor out: the phone would stop announcing payments.
              onclick: () =>
                void confirmDialog({
                  message: t(session.user.role === 'vendor' ? 'nav.logout.confirm.vendor' : 'nav.logout.confirm'),
                  confirm: t('nav.logout.yes'),
                  cancel: t('nav.logout.no'),
                }).then((yes) => {
                  if (!yes) return;
                  clearSession();
                  location.href = '/';
                }),
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
  // A script's own error text is English and means nothing to a shopper: the Vietnamese page says it plainly.
  return t('common.error.generic', { message: (e as Error).message });
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

/** A state as a coloured pill in words (`status.<state>`), or the state itself when it has no words yet. */
export function statusPill(status: string): HTMLElement {
  const key = `status.${status}` as MessageKey;
  const text = t(key);
  return h('span', { class: `pill status-${status}` }, text === key ? status : text);
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

/**
 * An in-page question with two big buttons, in the page's language (a browser's own confirm box says "OK / Cancel" in
 * the phone's language, and an installed app may not show it at all). Resolves true for `confirm`, false for `cancel`,
 * Escape or a tap outside the box. Focus starts on the safe answer.
 */
export function confirmDialog(opts: { message: string; confirm: string; cancel: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const previous = document.activeElement as HTMLElement | null;
    const close = (answer: boolean) => {
      document.removeEventListener('keydown', onKey, true);
      backdrop.remove();
      previous?.focus?.();
      resolve(answer);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        close(false);
      }
    };
    const no = h(
      'button',
      { type: 'button', class: 'btn', 'data-testid': 'confirm-no', onclick: () => close(false) },
      opts.cancel,
    );
    const box = h(
      'div',
      {
        class: 'dialog card',
        role: 'alertdialog',
        'aria-modal': 'true',
        'aria-labelledby': 'confirm-message',
        'data-testid': 'confirm-dialog',
      },
      h('p', { id: 'confirm-message', class: 'dialog-message' }, opts.message),
      h(
        'div',
        { class: 'row' },
        no,
        h(
          'button',
          { type: 'button', class: 'btn primary grow', 'data-testid': 'confirm-yes', onclick: () => close(true) },
          opts.confirm,
        ),
      ),
    );
    const backdrop = h('div', { class: 'dialog-backdrop' }, box);
    backdrop.addEventListener('click', (e) => {
      if (e.target === backdrop) close(false);
    });
    document.addEventListener('keydown', onKey, true);
    document.body.appendChild(backdrop);
    no.focus();
  });
}

/**
 * A red line at the top of the page while the phone has no network, saying what cannot work (the vendor page has its
 * own, more precise one). `navigator.onLine` false is reliable; true only means "maybe", so this never claims online.
 */
export function watchNetwork(text: () => string): HTMLElement {
  const banner = h('div', { class: 'notice error offline global', role: 'alert', 'data-testid': 'offline-page' });
  const update = () => {
    banner.hidden = navigator.onLine !== false;
    banner.textContent = text();
  };
  window.addEventListener('online', update);
  window.addEventListener('offline', update);
  update();
  return banner;
}
