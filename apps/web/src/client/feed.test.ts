/**
 * The feed's reconnect and dedupe rules against a stand-in EventSource: a dropped connection is reopened with the last
 * event id, replayed payments are not shown twice, and a payment missed while offline arrives once.
 */
import { PaymentFeed, paymentFromEvent, type FeedPayment } from './feed';

class FakeEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static all: FakeEventSource[] = [];
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private listeners = new Map<string, ((ev: { data: string; lastEventId: string }) => void)[]>();
  constructor(readonly url: string) {
    FakeEventSource.all.push(this);
  }
  addEventListener(name: string, fn: (ev: { data: string; lastEventId: string }) => void) {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
  }
  close() {
    this.readyState = FakeEventSource.CLOSED;
  }
  open() {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }
  emit(name: string, id: string, data: unknown) {
    for (const fn of this.listeners.get(name) ?? []) fn({ data: JSON.stringify(data), lastEventId: id });
  }
  fail() {
    this.readyState = FakeEventSource.CLOSED;
    this.onerror?.();
  }
}

const g = globalThis as unknown as Record<string, unknown>;
const windowListeners = new Map<string, () => void>();
beforeAll(() => {
  g.EventSource = FakeEventSource;
  g.window = {
    addEventListener: (name: string, fn: () => void) => windowListeners.set(name, fn),
    removeEventListener: (name: string) => windowListeners.delete(name),
  };
});
afterAll(() => {
  delete g.EventSource;
  delete g.window;
});
beforeEach(() => {
  FakeEventSource.all = [];
  jest.useFakeTimers();
});
afterEach(() => jest.useRealTimers());

const pay = (id: string, amount: number) => ({
  paymentId: id,
  amount,
  paidAt: '2026-03-01T03:00:00Z',
  payerName: 'NGUYEN VAN A',
});

test('reads payments in any of the envelopes the ledger may use', () => {
  expect(paymentFromEvent('payment', '7', pay('p1', 50_000))).toMatchObject({ id: 'p1', amount: 50_000, eventId: '7' });
  expect(paymentFromEvent('message', '8', { type: 'payment.confirmed', data: pay('p2', 1_000) })).toMatchObject({
    id: 'p2',
    type: 'payment.confirmed',
  });
  expect(paymentFromEvent('payment', '9', { payment: pay('p3', 2_000) })).toMatchObject({ id: 'p3' });
  expect(paymentFromEvent('payment', '9', { amount: 1.5, paymentId: 'x' })).toBeNull();
  expect(paymentFromEvent('payment', '9', 'hello')).toBeNull();
});

test('a hard failure reopens with the last event id; replays are dropped; missed payments arrive once', () => {
  const got: FeedPayment[] = [];
  const statuses: string[] = [];
  const feed = new PaymentFeed({
    url: (last) => `/stream${last ? `?since=${last}` : ''}`,
    onPayment: (p) => got.push(p),
    onStatus: (s) => statuses.push(s),
  });
  feed.markSeen(['p0']);
  feed.start();
  const first = FakeEventSource.all[0]!;
  expect(first.url).toBe('/stream');
  first.open();
  first.emit('payment', '1', pay('p0', 9_000)); // already in the list loaded with the page
  first.emit('payment', '2', pay('p1', 50_000));
  first.emit('payment', '2', pay('p1', 50_000)); // a duplicate delivery
  first.fail();
  expect(statuses).toContain('reconnecting');
  jest.advanceTimersByTime(1_000);
  const second = FakeEventSource.all[1]!;
  expect(second.url).toBe('/stream?since=2');
  second.open();
  second.emit('payment', '2', pay('p1', 50_000)); // the server replays from the id it was given
  second.emit('payment', '3', pay('p2', 21_000)); // paid while we were offline
  expect(got.map((p) => [p.id, p.amount])).toEqual([
    ['p1', 50_000],
    ['p2', 21_000],
  ]);
  expect(statuses[statuses.length - 1]).toBe('live');
  feed.stop();
  expect(second.readyState).toBe(FakeEventSource.CLOSED);
});

test('backs off while the server stays down, and resets once connected', () => {
  const feed = new PaymentFeed({ url: () => '/s', onPayment: () => undefined });
  feed.start();
  FakeEventSource.all[0]!.fail();
  jest.advanceTimersByTime(999);
  expect(FakeEventSource.all).toHaveLength(1);
  jest.advanceTimersByTime(1);
  FakeEventSource.all[1]!.fail();
  jest.advanceTimersByTime(1_999);
  expect(FakeEventSource.all).toHaveLength(2);
  jest.advanceTimersByTime(1);
  expect(FakeEventSource.all).toHaveLength(3);
  FakeEventSource.all[2]!.open();
  FakeEventSource.all[2]!.fail();
  jest.advanceTimersByTime(1_000);
  expect(FakeEventSource.all).toHaveLength(4);
  feed.stop();
});

test('going offline says so at once and closes the stream; coming back reopens it from the last event', () => {
  const statuses: string[] = [];
  const feed = new PaymentFeed({
    url: (last) => `/s?since=${last ?? ''}`,
    onPayment: () => undefined,
    onStatus: (s) => statuses.push(s),
  });
  feed.start();
  const first = FakeEventSource.all[0]!;
  first.open();
  first.emit('payment', '7', pay('p1', 10_000));
  windowListeners.get('offline')!();
  expect(statuses.at(-1)).toBe('reconnecting');
  expect(first.readyState).toBe(FakeEventSource.CLOSED);
  // No retry while the phone is offline: the backoff timer is not what brings it back.
  jest.advanceTimersByTime(60_000);
  expect(FakeEventSource.all).toHaveLength(1);
  windowListeners.get('online')!();
  jest.advanceTimersByTime(0);
  expect(FakeEventSource.all).toHaveLength(2);
  expect(FakeEventSource.all[1]!.url).toBe('/s?since=7');
  FakeEventSource.all[1]!.open();
  expect(statuses.at(-1)).toBe('live');
  feed.stop();
});
