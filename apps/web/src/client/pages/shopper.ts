import type { CheckAnswer } from '@marketqr/contracts/dist/http/qr-generation';
import { get, ledgerApi, post, paths, qrApi, type Json } from '../api';
import { fill, h } from '../dom';
import { businessDay, formatDate, formatTime, formatVnd } from '../format';
import { lang, t } from '../i18n';
import { icon } from '../icons';
import { errorMessage, header } from '../layout';
import { CameraScanner, decodeFile } from '../qr-scan';
import { zoneName } from '../labels';

type Step =
  | { kind: 'scan'; message?: string }
  | { kind: 'checking'; payload: string }
  | {
      kind: 'confirm';
      payload: string;
      check: CheckAnswer;
      bank: Json | null;
      /** A dynamic QR the ledger says was already paid: when (never offered for payment again). */
      paidAt: string | null;
      message?: string;
      anyway?: boolean;
      report?: 'sending' | 'done';
    }
  /** Not a bank payment at all (a web link, a code of another scheme): said plainly, never offered for payment. */
  | { kind: 'notbank'; payload: string; check: CheckAnswer }
  | { kind: 'paying'; payload: string; check: CheckAnswer; bank: Json | null; paidAt: null }
  | { kind: 'paid'; receipt: Json; name: string };

/**
 * The shopper's side, for demos: scan a stall's QR (camera or a picked image), see who will be paid and whether the
 * code is genuine (qr-generation's check, and the bank's name inquiry), type the amount for a static poster, and pay
 * through the bank simulator, which notifies the ledger like a real bank.
 */
export function shopperPage(root: HTMLElement): void {
  let step: Step = { kind: 'scan' };
  const video = h('video', { class: 'camera', muted: true, playsinline: true, 'aria-hidden': 'true' });
  const scanner = new CameraScanner(video);
  let scanning = false;
  const body = h('div', { class: 'tab-body' });

  const render = () => {
    document.title = `${t('shopper.title')} · ${t('app.name')}`;
    fill(
      root,
      header(t('shopper.title'), render),
      h('main', { class: 'page shopper' }, h('p', { class: 'muted' }, t('shopper.hint')), body),
    );
    renderStep();
  };

  const go = (s: Step) => {
    step = s;
    renderStep();
  };

  // A poster's link can name the market (`/shopper?market=…`): a code paying none of its stalls is then reported there.
  const market = new URLSearchParams(location.search).get('market');

  const check = async (payload: string) => {
    stopCamera();
    go({ kind: 'checking', payload });
    try {
      const verdict = await qrApi.verifyQr({ query: { marketId: market ?? undefined }, body: { payload } });
      if (NOT_BANK.has(String(verdict.verdict))) return go({ kind: 'notbank', payload, check: verdict });
      const qr = verdict.qr;
      const [bank, paid] = await Promise.all([
        get(paths.shopperDecode(payload)).catch(() => null),
        // Only a dynamic QR is paid once; a poster takes any number of payments.
        qr?.kind === 'dynamic' ? ledgerApi.qrPayment({ params: { qrId: qr.id } }).catch(() => null) : null,
      ]);
      go({ kind: 'confirm', payload, check: verdict, bank, paidAt: paid?.paid ? paid.paidAt : null });
    } catch (e) {
      go({ kind: 'scan', message: errorMessage(e) });
    }
  };

  const report = async (s: Extract<Step, { kind: 'confirm' }>) => {
    go({ ...s, report: 'sending', message: undefined });
    try {
      await qrApi.reportCheck({ params: { checkId: String(s.check.checkId) } });
      go({ ...s, report: 'done', message: undefined });
    } catch (e) {
      go({ ...s, report: undefined, message: errorMessage(e) });
    }
  };

  const checkImage = async (file: File) => {
    const payload = await decodeFile(file).catch(() => null);
    if (payload) return check(payload);
    go({ kind: 'scan', message: t('shopper.noqr') });
  };

  const stopCamera = () => {
    if (!scanning) return;
    scanner.stop();
    scanning = false;
  };

  const startCamera = async () => {
    try {
      scanning = true;
      renderStep();
      await scanner.start(
        (payload) => {
          scanning = false;
          void check(payload);
        },
        {
          // Nothing read after a few seconds: the usual causes are a code off-centre or a lamp's reflection on it.
          onSlow: () => {
            if (scanStatus) scanStatus.textContent = t('shopper.scan.slow');
          },
        },
      );
      // The torch button appears only once the camera says it has one (feature detection, not the user agent).
      if (torchButton && scanner.hasTorch) torchButton.hidden = false;
    } catch {
      scanning = false;
      go({ kind: 'scan', message: t('shopper.camera.denied') });
    }
  };

  const pay = async (s: Extract<Step, { kind: 'confirm' }>, amount: number | undefined) => {
    go({ kind: 'paying', payload: s.payload, check: s.check, bank: s.bank, paidAt: null });
    try {
      const receipt = await post(paths.shopperPay, { payload: s.payload, ...(amount === undefined ? {} : { amount }) });
      go({ kind: 'paid', receipt, name: payeeName(s.check, s.bank) });
    } catch (e) {
      go({ ...s, message: errorMessage(e) });
    }
  };

  const renderStep = () => {
    switch (step.kind) {
      case 'scan':
        return fill(body, scanView(step.message));
      case 'checking':
      case 'paying':
        return fill(
          body,
          h(
            'p',
            { class: 'card', role: 'status' },
            t(step.kind === 'checking' ? 'shopper.checking' : 'shopper.paying'),
          ),
        );
      case 'confirm':
        return fill(body, confirmView(step));
      case 'notbank':
        return fill(body, notBankView(step.payload));
      case 'paid':
        return fill(body, paidView(step.receipt, step.name));
    }
  };

  // Updated in place while the camera runs: re-rendering would take the playing video out of the page.
  let scanStatus: HTMLElement | null = null;
  let torchButton: HTMLButtonElement | null = null;

  const scanView = (message?: string) => {
    const file = h('input', {
      type: 'file',
      accept: 'image/*',
      id: 'qr-file',
      class: 'visually-hidden',
      'data-testid': 'qr-file',
    });
    file.addEventListener('change', () => {
      const f = file.files?.[0];
      if (f) void checkImage(f);
    });
    const paste = h('textarea', { id: 'qr-text', rows: 3, 'data-testid': 'qr-text', spellcheck: 'false' });
    return [
      message ? h('div', { class: 'notice error', role: 'alert' }, message) : null,
      h(
        'section',
        { class: 'card scan' },
        scanning ? video : null,
        (scanStatus = scanning
          ? h('p', { class: 'muted', role: 'status', 'data-testid': 'scan-status' }, t('shopper.scanning'))
          : null),
        h(
          'div',
          { class: 'stack' },
          (torchButton = scanning
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'btn block',
                  'data-testid': 'torch',
                  'aria-pressed': String(scanner.torch),
                  hidden: !scanner.hasTorch,
                  onclick: async () => {
                    const on = !scanner.torch;
                    if (!(await scanner.setTorch(on)) || !torchButton) return;
                    torchButton.setAttribute('aria-pressed', String(on));
                    torchButton.textContent = t(on ? 'shopper.torch.off' : 'shopper.torch.on');
                  },
                },
                t(scanner.torch ? 'shopper.torch.off' : 'shopper.torch.on'),
              )
            : null),
          scanning
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'btn block',
                  onclick: () => {
                    stopCamera();
                    renderStep();
                  },
                },
                t('shopper.scan.stop'),
              )
            : h(
                'button',
                {
                  type: 'button',
                  class: 'btn primary block',
                  'data-testid': 'scan',
                  onclick: () => void startCamera(),
                },
                icon('camera'),
                t('shopper.scan'),
              ),
          h('label', { class: 'btn block', for: 'qr-file' }, icon('image'), t('shopper.pick')),
          file,
        ),
      ),
      h(
        'details',
        { class: 'card' },
        h('summary', {}, t('shopper.paste')),
        h('label', { for: 'qr-text', class: 'visually-hidden' }, t('shopper.paste')),
        paste,
        h(
          'button',
          {
            type: 'button',
            class: 'btn block',
            'data-testid': 'check-text',
            onclick: () => {
              const v = paste.value.trim();
              if (v) void check(v);
            },
          },
          t('shopper.paste.check'),
        ),
      ),
    ];
  };

  const againButton = () =>
    h(
      'button',
      { type: 'button', class: 'btn link block', 'data-testid': 'again', onclick: () => go({ kind: 'scan' }) },
      t('shopper.again'),
    );

  const notBankView = (payload: string) => {
    const host = linkHost(payload);
    return [
      h(
        'section',
        { class: 'card verdict bad', role: 'alert', 'data-testid': 'not-bank' },
        h('div', { class: 'verdict-title' }, '⚠ ', t('shopper.notbank.title')),
        h('p', {}, host ? t('shopper.notbank.link', { host }) : t('shopper.notbank.other')),
      ),
      againButton(),
    ];
  };

  /** A dynamic QR already paid: when, and what to do; no way to pay it again from here. */
  const alreadyPaidView = (paidAt: string) => [
    h(
      'section',
      { class: 'card verdict bad', role: 'alert', 'data-testid': 'already-paid' },
      h('div', { class: 'verdict-title' }, '⚠ ', t('shopper.alreadyPaid', { time: paidTime(paidAt) })),
      h('p', {}, t('shopper.alreadyPaid.hint')),
    ),
    againButton(),
  ];

  /** On the red warning: tell the market's management, once. */
  const reportBlock = (s: Extract<Step, { kind: 'confirm' }>) => {
    if (!s.check.checkId || !REPORTABLE.has(String(s.check.verdict))) return null;
    // A sale's QR the vendor cancelled is not a fake poster: nothing for the management to look at.
    if (s.check.qr?.kind === 'dynamic') return null;
    if (s.report === 'done') {
      return h('p', { class: 'notice ok', role: 'status', 'data-testid': 'reported' }, t('shopper.report.done'));
    }
    return h(
      'button',
      {
        type: 'button',
        // A white button on the red card: the one thing to do here besides not paying.
        class: 'btn block',
        'data-testid': 'report',
        disabled: s.report === 'sending',
        onclick: () => void report(s),
      },
      t(s.report === 'sending' ? 'shopper.report.sending' : 'shopper.report'),
    );
  };

  const confirmView = (s: Extract<Step, { kind: 'confirm' }>) => {
    if (s.paidAt) return alreadyPaidView(s.paidAt);
    const c = s.check;
    const genuine = c.verdict === 'GENUINE';
    const stall = c.stall;
    const fixed = qrAmount(c, s.bank);
    const amountInput = h('input', {
      id: 'amount',
      name: 'amount',
      inputmode: 'numeric',
      autocomplete: 'off',
      placeholder: '50.000',
      'data-testid': 'pay-amount',
      'aria-describedby': 'amount-words',
    });
    const quick = [10_000, 20_000, 50_000, 100_000].map((v) =>
      h(
        'button',
        {
          type: 'button',
          class: 'btn-chip',
          onclick: () => {
            amountInput.value = formatVnd(v).replace(/\u00a0₫$/, '');
          },
        },
        formatVnd(v),
      ),
    );
    const payBtn = h(
      'button',
      {
        type: 'button',
        class: `btn ${genuine ? 'primary' : 'danger'} block`,
        'data-testid': 'pay',
        disabled: !genuine && !s.anyway,
      },
      fixed !== null ? t('shopper.pay', { amount: formatVnd(fixed) }) : t('shopper.pay', { amount: '' }).trim(),
    );
    payBtn.addEventListener('click', () => {
      if (fixed !== null) return void pay(s, undefined);
      const amount = Number(amountInput.value.replace(/\D/g, ''));
      if (!Number.isSafeInteger(amount) || amount <= 0) return go({ ...s, message: t('shopper.amount.invalid') });
      void pay(s, amount);
    });
    return [
      h(
        'section',
        {
          class: `card verdict ${genuine ? 'ok' : 'bad'}`,
          role: genuine ? 'status' : 'alert',
          'data-testid': 'verdict',
          'data-verdict': String(c.verdict),
        },
        h('div', { class: 'verdict-title' }, genuine ? '✓ ' : '⚠ ', t(genuine ? 'shopper.genuine' : 'shopper.fake')),
        h('p', {}, String(lang() === 'vi' ? c.message : (c.messageEn ?? c.message))),
        reportBlock(s),
      ),
      h(
        'section',
        { class: 'card' },
        h(
          'dl',
          { class: 'facts' },
          stall
            ? [
                h('dt', {}, t('shopper.payee')),
                h('dd', { class: 'big', 'data-testid': 'payee' }, String(stall.vendorName)),
              ]
            : null,
          stall ? [h('dt', {}, t('shopper.stall')), h('dd', {}, String(stall.stallCode))] : null,
          stall ? [h('dt', {}, t('shopper.market')), h('dd', {}, String(stall.marketName))] : null,
          stall?.zone ? [h('dt', {}, t('shopper.zone')), h('dd', {}, zoneName(String(stall.zone)))] : null,
          s.bank
            ? [
                h('dt', {}, t('shopper.bankHolder')),
                h(
                  'dd',
                  {},
                  `${s.bank.accountName ?? ''} · ${(s.bank.bank as Json | undefined)?.shortName ?? ''} ${s.bank.accountNumber ?? ''}`,
                ),
              ]
            : null,
        ),
      ),
      h(
        'section',
        { class: 'card' },
        s.message ? h('div', { class: 'notice error', role: 'alert' }, s.message) : null,
        fixed !== null
          ? [
              h('div', { class: 'muted' }, t('shopper.amount.fixed')),
              h('div', { class: 'amount-display' }, formatVnd(fixed)),
            ]
          : [h('label', { for: 'amount' }, t('shopper.amount')), amountInput, h('div', { class: 'row wrap' }, quick)],
        !genuine && !s.anyway
          ? h(
              'button',
              {
                type: 'button',
                class: 'btn block',
                'data-testid': 'pay-anyway',
                onclick: () => go({ ...s, anyway: true }),
              },
              t('shopper.pay.anyway'),
            )
          : null,
        payBtn,
        againButton(),
      ),
    ];
  };

  const paidView = (r: Json, name: string) => [
    h(
      'section',
      { class: 'card verdict ok', role: 'status', 'data-testid': 'paid' },
      h('div', { class: 'verdict-title' }, '✓ ', t('shopper.paid', { amount: formatVnd(Number(r.amount)), name })),
      h('p', { class: 'muted' }, t('shopper.ref', { id: String(r.transactionId ?? r.id ?? '') })),
    ),
    h(
      'button',
      { type: 'button', class: 'btn primary block', 'data-testid': 'again', onclick: () => go({ kind: 'scan' }) },
      t('shopper.again'),
    ),
  ];

  render();
}

/** Verdicts that are not a bank transfer at all: nothing to pay, nothing to check with a bank. */
const NOT_BANK = new Set(['MALFORMED', 'NOT_VIETQR']);
/** Verdicts a shopper can report as a fake or suspicious poster (an expired code is not a fake). */
const REPORTABLE = new Set(['UNKNOWN_ACCOUNT', 'TAMPERED', 'UNREGISTERED_PAYLOAD', 'REVOKED', 'STALL_NOT_ACTIVE']);

/** The site a web-link QR opens, to name it in the warning; null when the text is not a link. */
function linkHost(payload: string): string | null {
  const text = payload.trim();
  if (!/^(https?:\/\/|www\.)/i.test(text)) return null;
  try {
    return new URL(/^www\./i.test(text) ? `http://${text}` : text).host || null;
  } catch {
    return null;
  }
}

/** "08:55" for today, "08:55 ngày 06/12/2026" before (Vietnam time). */
function paidTime(at: string): string {
  const day = businessDay(new Date(at));
  return day === businessDay()
    ? formatTime(at)
    : t('shopper.alreadyPaid.day', { time: formatTime(at), date: formatDate(day) });
}

function qrAmount(check: CheckAnswer, bank: Json | null): number | null {
  const fromBank = bank?.amount;
  if (typeof fromBank === 'number' && fromBank > 0) return fromBank;
  const decoded = check.decoded;
  const n = Number(decoded.amount);
  return decoded.amount && Number.isSafeInteger(n) && n > 0 ? n : null;
}

function payeeName(check: CheckAnswer, bank: Json | null): string {
  const stall = check.stall;
  return String(stall?.vendorName ?? bank?.accountName ?? '');
}
