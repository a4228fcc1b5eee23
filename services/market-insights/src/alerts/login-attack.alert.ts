import type { EventOfType } from '@marketqr/contracts';
import { links, type AlertService } from './alerts.service';

/**
 * merchant.login-attack: someone is guessing a PIN or password of an account of the market (or locking its owner out).
 * The owner's own devices still log in; the managers are told so they can call the vendor (or look at who is at the
 * stall's counter). One alert per account and throttling window.
 */
export async function raiseLoginAttack(alerts: AlertService, e: EventOfType<'merchant.login-attack'>): Promise<void> {
  const d = e.data;
  const whose = d.role === 'vendor' ? 'của người bán' : 'quản lý';
  await alerts.raise({
    key: `login-attack:${d.userId}:${d.windowStartedAt}`,
    kind: 'login_attack',
    severity: 'high',
    marketId: d.marketId,
    merchantId: d.merchantId,
    title: `${d.failures} lần đăng nhập sai vào tài khoản ${whose} ${d.accountHint}: có người đang thử mã PIN hoặc mật khẩu`,
    details: {
      userId: d.userId,
      role: d.role,
      accountHint: d.accountHint,
      failures: d.failures,
      since: d.windowStartedAt,
    },
    link: d.merchantId ? links.stall(d.merchantId) : '/manager/alerts',
    at: new Date(d.detectedAt),
  });
}
