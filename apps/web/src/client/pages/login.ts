import { ApiError, onboardingApi } from '../api';
import { fill, h } from '../dom';
import { t } from '../i18n';
import { errorMessage, header } from '../layout';
import { homeOf, saveSession } from '../session';

export function loginPage(root: HTMLElement): void {
  const params = new URLSearchParams(location.search);
  let role: 'vendor' | 'manager' = params.get('role') === 'manager' ? 'manager' : 'vendor';
  let message = '';
  let username = '';

  const render = () => {
    const vendor = role === 'vendor';
    document.title = `${t(vendor ? 'login.title.vendor' : 'login.title.manager')} · ${t('app.name')}`;
    const form = h(
      'form',
      { class: 'card form', novalidate: true, 'data-testid': 'login-form' },
      h('label', { for: 'username' }, t(vendor ? 'login.phone' : 'login.username')),
      h('input', {
        id: 'username',
        name: 'username',
        required: true,
        autocomplete: 'username',
        inputmode: vendor ? 'tel' : 'text',
        value: username,
        placeholder: vendor ? '0912 345 678' : '',
      }),
      h('label', { for: 'password' }, t(vendor ? 'login.pin' : 'login.password')),
      h('input', {
        id: 'password',
        name: 'password',
        type: 'password',
        required: true,
        autocomplete: 'current-password',
        inputmode: vendor ? 'numeric' : 'text',
        maxlength: vendor ? 6 : 200,
      }),
      message ? h('div', { class: 'notice error', role: 'alert' }, message) : null,
      h('button', { type: 'submit', class: 'btn primary block' }, t('login.submit')),
    );
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const data = new FormData(form);
      username = String(data.get('username') ?? '');
      void submit(username, String(data.get('password') ?? ''));
    });
    fill(
      root,
      header(t(vendor ? 'login.title.vendor' : 'login.title.manager'), render),
      h(
        'main',
        { class: 'page narrow' },
        form,
        h(
          'button',
          {
            type: 'button',
            class: 'btn link',
            onclick: () => {
              role = vendor ? 'manager' : 'vendor';
              message = '';
              render();
            },
          },
          t(vendor ? 'login.switch.manager' : 'login.switch.vendor'),
        ),
      ),
    );
    (root.querySelector('#username') as HTMLInputElement | null)?.focus();
  };

  const submit = async (user: string, password: string) => {
    try {
      // This device's token for this account (given at its first login here): failed attempts by strangers never lock
      // the owner's own phone out.
      const deviceToken = deviceTokenFor(user);
      const s = await onboardingApi.login({
        body: { username: user, password, ...(deviceToken ? { deviceToken } : {}) },
      });
      if (s.deviceToken) rememberDevice(user, s.deviceToken);
      saveSession(s);
      location.href = params.get('next') ?? homeOf(s.user.role);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'AUTH.INVALID_CREDENTIALS') {
        const n = (e.details as { remainingAttempts?: number } | undefined)?.remainingAttempts;
        message = typeof n === 'number' ? t('login.bad.remaining', { n }) : t('login.bad');
      } else if (e instanceof ApiError && e.code === 'AUTH.LOCKED') {
        const d = e.details as { retryAfterSeconds?: number; reason?: string } | undefined;
        const minutes = Math.max(1, Math.ceil((d?.retryAfterSeconds ?? 60) / 60));
        message = t(d?.reason === 'account_under_attack' ? 'login.locked.attack' : 'login.locked', { minutes });
      } else message = errorMessage(e);
      render();
    }
  };
  render();
}

/** Device tokens per account (a shared phone may log in to more than one), kept across logouts. */
const DEVICE_KEY = 'marketqr.devices';

function deviceTokenFor(username: string): string | undefined {
  try {
    return (JSON.parse(localStorage.getItem(DEVICE_KEY) ?? '{}') as Record<string, string>)[username.trim()];
  } catch {
    return undefined;
  }
}

function rememberDevice(username: string, token: string): void {
  try {
    const all = JSON.parse(localStorage.getItem(DEVICE_KEY) ?? '{}') as Record<string, string>;
    all[username.trim()] = token;
    localStorage.setItem(DEVICE_KEY, JSON.stringify(all));
  } catch {
    // Private browsing without storage: the device simply stays unknown.
  }
}
