/** The logged-in user, kept in localStorage so a vendor's phone stays logged in across reloads until the token expires. */
export interface SessionUser {
  id: string;
  username: string;
  fullName: string;
  role: 'vendor' | 'market_manager' | 'admin' | 'service';
  marketId?: string | null;
  merchantId?: string | null;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: SessionUser;
}

const KEY = 'marketqr.session';

export function loadSession(): Session | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as Session;
    if (!s.token || !s.user || Date.parse(s.expiresAt) <= Date.now()) {
      localStorage.removeItem(KEY);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function saveSession(s: Session): void {
  localStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  localStorage.removeItem(KEY);
}

/** Where each role lands after logging in. */
export function homeOf(role: SessionUser['role']): string {
  return role === 'vendor' ? '/vendor' : '/manager';
}
