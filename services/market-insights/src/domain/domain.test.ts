import { categoryText, localTimeText, stallStatusText, yesNo, zoneText } from '../http/csv-text';
import { BOM, tableCsv, toCsv, type Column } from '../http/table';
import { normalisePayerName, payerHash } from './payer';
import { parsePeriod } from './period';
import {
  adoptionRow,
  averageTicket,
  emptyMeasures,
  groupAdoption,
  hasPrintedQrAt,
  payerStats,
  ratio,
  statusAt,
  type DayCounters,
  type StallInfo,
} from './stats';
import { addDays, dayCount, isDay, localTime } from './time';
import { learnUsualHours, stoppedWindow } from './usual-hours';

describe('time buckets in Asia/Ho_Chi_Minh', () => {
  it.each([
    ['2025-03-01T06:31:12+07:00', '2025-03-01', 6],
    ['2025-02-28T23:30:00Z', '2025-03-01', 6],
    ['2025-03-01T16:59:59Z', '2025-03-01', 23],
    ['2025-03-01T17:00:00Z', '2025-03-02', 0],
    ['2024-12-31T17:00:00.000Z', '2025-01-01', 0],
  ])('%s → %s hour %i', (instant, day, hour) => {
    expect(localTime(instant)).toEqual({ day, hour });
  });

  it('agrees with UTC+7 (Vietnam has no daylight saving) over a year of instants', () => {
    for (let t = Date.UTC(2025, 0, 1); t < Date.UTC(2026, 0, 1); t += 3_600_000 * 7 + 60_000 * 13) {
      const shifted = new Date(t + 7 * 3_600_000).toISOString();
      expect(localTime(new Date(t))).toEqual({ day: shifted.slice(0, 10), hour: Number(shifted.slice(11, 13)) });
    }
  });

  it('does calendar arithmetic on day strings', () => {
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(dayCount('2025-03-01', '2025-03-31')).toBe(31);
    expect(isDay('2025-02-29')).toBe(false);
    expect(isDay('2025-3-1')).toBe(false);
  });
});

describe('periods', () => {
  const today = '2025-03-15';
  it.each([
    [{}, { from: today, to: today }],
    [
      { period: 'day', date: '2025-03-02' },
      { from: '2025-03-02', to: '2025-03-02' },
    ],
    [
      { period: 'week', date: '2025-03-15' },
      { from: '2025-03-10', to: '2025-03-16' },
    ],
    [
      { period: 'week', date: '2025-03-10' },
      { from: '2025-03-10', to: '2025-03-16' },
    ],
    [
      { period: 'week', date: '2025-03-16' },
      { from: '2025-03-10', to: '2025-03-16' },
    ],
    [
      { period: 'month', date: '2024-02-10' },
      { from: '2024-02-01', to: '2024-02-29' },
    ],
    [{ period: 'month' }, { from: '2025-03-01', to: '2025-03-31' }],
    [
      { from: '2025-01-01', to: '2025-03-15' },
      { from: '2025-01-01', to: '2025-03-15' },
    ],
  ])('%j → %j', (q, expected) => {
    expect(parsePeriod(q, today, 366)).toEqual({ ...expected, asOf: expected.to < today ? expected.to : today });
  });

  it.each([
    [{ from: '2025-03-02' }, 'to'],
    [{ from: '2025-03-05', to: '2025-03-01' }, 'from'],
    [{ from: '2025-13-01', to: '2025-13-02' }, 'from'],
    [{ period: 'year' }, 'period'],
    [{ period: 'day', date: 'yesterday' }, 'date'],
    [{ from: '2025-03-01', to: '2025-03-02', period: 'day' }, 'period'],
    [{ from: ['2025-03-01', '2025-03-02'], to: '2025-03-02' }, 'from'],
    [{ from: '2023-01-01', to: '2025-03-02' }, 'to'],
  ])('%j is refused, naming %s', (q, field) => {
    expect(() => parsePeriod(q, today, 366)).toThrow(expect.objectContaining({ field }));
  });
});

describe('payer identity', () => {
  it('folds case, diacritics and spacing so a returning payer is recognised', () => {
    expect(normalisePayerName('  Trần  Văn Bình ')).toBe('TRAN VAN BINH');
    expect(normalisePayerName('ĐỖ VĂN HÙNG')).toBe('DO VAN HUNG');
    expect(payerHash('salt-salt-salt-salt', 'Trần Văn Bình')).toBe(payerHash('salt-salt-salt-salt', 'TRAN VAN BINH'));
  });

  it('is keyed, never the name, and null without a name', () => {
    const h = payerHash('salt-salt-salt-salt', 'TRAN VAN BINH')!;
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(h).not.toBe(payerHash('another-salt-value', 'TRAN VAN BINH'));
    expect(payerHash('salt-salt-salt-salt', null)).toBeNull();
    expect(payerHash('salt-salt-salt-salt', '  ')).toBeNull();
  });

  it('is the payer’s account when the event carries one: two spellings of one account holder are one payer, two holders of one name are two', () => {
    const salt = 'salt-salt-salt-salt';
    const acct1 = 'a'.repeat(64);
    const acct2 = 'b'.repeat(64);
    const one = payerHash(salt, { payerAccountHash: acct1, payerName: 'TRAN VAN BINH' });
    expect(payerHash(salt, { payerAccountHash: acct1, payerName: 'Trần Văn Bình (chuyển khoản)' })).toBe(one);
    expect(payerHash(salt, { payerAccountHash: acct2, payerName: 'TRAN VAN BINH' })).not.toBe(one);
    // The account hash is hashed again with our salt, and never equals the name-based identity.
    expect(one).not.toBe(acct1.slice(0, 32));
    expect(one).not.toBe(payerHash(salt, 'TRAN VAN BINH'));
    // No account: the name decides, as before.
    expect(payerHash(salt, { payerName: 'TRAN VAN BINH' })).toBe(payerHash(salt, 'TRAN VAN BINH'));
    expect(payerHash(salt, { payerAccountHash: null, payerName: null })).toBeNull();
  });
});

describe('rounding', () => {
  it.each([
    [10, 3, 3],
    [5, 2, 3],
    [7, 2, 4],
    [45_000 + 12_345, 2, 28_673],
    [0, 0, null],
  ])('average of %i over %i payments is %p đồng (half up)', (value, count, expected) => {
    expect(averageTicket(value, count)).toBe(expected);
  });

  it('gives ratios with 4 decimals, null over nothing', () => {
    expect(ratio(2, 3)).toBe(0.6667);
    expect(ratio(1, 8)).toBe(0.125);
    expect(ratio(1, 0)).toBeNull();
  });
});

const stall = (over: Partial<StallInfo>): StallInfo => ({
  merchantId: 's1',
  marketId: 'm',
  marketName: 'Chợ',
  stallCode: 'A-1',
  vendorName: 'Nguyễn Thị Hoa',
  zone: 'A',
  category: 'meat',
  registeredDay: '2025-03-01',
  statusHistory: [
    { status: 'pending_verification', day: '2025-03-01' },
    { status: 'active', day: '2025-03-02' },
  ],
  staticQrs: [],
  revokedStaticQrs: [],
  ...over,
});

const counters = (merchantId: string, day: string, count: number, value: number): DayCounters => ({
  merchantId,
  marketId: 'm',
  day,
  count,
  value,
  dynamicCount: 0,
  dynamicValue: 0,
  staticCount: count,
  staticValue: value,
  payerCount: 0,
  hours: {},
  hourValues: {},
});

describe('adoption', () => {
  it('reads status and printed QRs as of a day', () => {
    const s = stall({
      statusHistory: [
        { status: 'active', day: '2025-03-02' },
        { status: 'suspended', day: '2025-03-10' },
      ],
      staticQrs: [
        { qrId: 'q1', day: '2025-03-02' },
        { qrId: 'q2', day: '2025-03-08' },
      ],
      revokedStaticQrs: [
        { qrId: 'q1', day: '2025-03-08' },
        { qrId: 'q2', day: '2025-03-12' },
      ],
    });
    expect(statusAt(s, '2025-03-01')).toBeNull();
    expect(statusAt(s, '2025-03-09')).toBe('active');
    expect(statusAt(s, '2025-03-10')).toBe('suspended');
    expect(hasPrintedQrAt(s, '2025-03-01')).toBe(false);
    expect(hasPrintedQrAt(s, '2025-03-08')).toBe(true);
    expect(hasPrintedQrAt(s, '2025-03-12')).toBe(false);
  });

  it('counts look-back windows on net payments, and the rate over active stalls', () => {
    const stalls = [
      stall({ merchantId: 's1' }),
      stall({ merchantId: 's2', statusHistory: [{ status: 'suspended', day: '2025-03-01' }] }),
      stall({ merchantId: 's3' }),
      stall({ merchantId: 's4', registeredDay: '2025-04-01' }),
    ];
    const g = groupAdoption(
      stalls,
      [
        counters('s1', '2025-03-14', 2, 1000),
        counters('s2', '2025-03-01', 1, 500),
        counters('s3', '2025-03-13', 1, 700),
        counters('s3', '2025-03-13', -1, -700), // reallocated away: s3 has nothing left that day
        counters('ghost', '2025-03-15', 1, 100),
      ],
      { from: '2025-03-10', to: '2025-03-15' },
      (s) => s?.zone ?? '?',
    );
    expect(g.get('A')!.adoption).toEqual({
      registered: 3,
      active: 2,
      withPrintedQr: 0,
      withPayment7d: 1,
      withPayment30d: 2,
      activeWithPayment7d: 1,
      activeWithPayment30d: 1,
    });
    expect(g.get('A')!.measures.paymentCount).toBe(2);
    expect(g.get('?')!.measures.paymentValue).toBe(100);
  });

  it('adoption is one figure: active stalls paid by QR in the 7 days to the as-of day, of the active stalls', () => {
    const stalls = [
      stall({ merchantId: 'week' }), // paid 2 days ago
      stall({ merchantId: 'month' }), // paid 20 days ago only: active, but not using QR now
      stall({ merchantId: 'never' }),
      stall({ merchantId: 'gone', statusHistory: [{ status: 'suspended', day: '2025-03-01' }] }), // paid, not active
    ];
    const g = groupAdoption(
      stalls,
      [
        counters('week', '2025-03-28', 1, 10_000),
        counters('month', '2025-03-10', 1, 10_000),
        counters('gone', '2025-03-29', 1, 5_000),
      ],
      { from: '2025-03-30', to: '2025-03-30' },
      () => 'all',
    ).get('all')!;
    expect(g.adoption).toMatchObject({
      active: 3,
      withPayment7d: 2,
      activeWithPayment7d: 1,
      withPayment30d: 3,
      activeWithPayment30d: 2,
    });
    const row = adoptionRow(g.adoption, emptyMeasures());
    expect(row.adoptionRate).toBe(ratio(1, 3));
    expect(row.adoptionRate).toBe(0.3333);
  });
});

describe('new and returning payers', () => {
  it('calls a payer new on the first day they paid in the scope', () => {
    const { days, totals } = payerStats(
      [
        { payerHash: 'a', day: '2025-03-02' },
        { payerHash: 'b', day: '2025-03-02' },
        { payerHash: 'a', day: '2025-03-03' },
        { payerHash: 'c', day: '2025-03-03' },
      ],
      new Set(['b']),
      { from: '2025-03-02', to: '2025-03-03' },
    );
    expect(days).toEqual([
      { day: '2025-03-02', payers: 2, newPayers: 1, returningPayers: 1 },
      { day: '2025-03-03', payers: 2, newPayers: 1, returningPayers: 1 },
    ]);
    expect(totals).toEqual({ payers: 3, newPayers: 2, returningPayers: 1 });
  });
});

describe('stopped payments', () => {
  const day = (hours: number[]) => ({
    hours: Object.fromEntries(hours.map((h) => [`h${String(h).padStart(2, '0')}`, 1])),
  });

  it('learns the hours paid in on enough days', () => {
    const history = [day([6, 7, 8]), day([6, 7]), day([6, 9]), day([6, 7, 15])];
    expect(learnUsualHours(history, 3)).toEqual([6, 7]);
    expect(learnUsualHours(history, 4)).toEqual([6]);
  });

  it('fires when the last usual hours that passed were silent, and not before they passed', () => {
    const usual = [6, 7, 8, 9, 14];
    expect(stoppedWindow(usual, day([6]).hours, 10, 3)).toEqual({ startHour: 7, silentHours: [7, 8, 9] });
    expect(stoppedWindow(usual, day([6]).hours, 9, 3)).toBeNull(); // 9 has not passed yet
    expect(stoppedWindow(usual, day([6, 8]).hours, 10, 3)).toBeNull();
    expect(stoppedWindow(usual, day([6, 10]).hours, 10, 3)).toBeNull(); // paid in the current hour: resumed
    expect(stoppedWindow(usual, undefined, 15, 3)).toEqual({ startHour: 8, silentHours: [8, 9, 14] });
    expect(stoppedWindow([6, 7], undefined, 23, 3)).toBeNull(); // too few usual hours to judge
  });
});

describe('CSV', () => {
  it('writes a BOM, a header, CRLF rows, quotes where needed and defuses formulas', () => {
    const csv = toCsv(
      ['zone', 'n', 'rate'],
      [
        { zone: 'Khu A – Rau củ', n: 3, rate: 0.6667 },
        { zone: 'Dãy "cá", tươi', n: -1, rate: null },
        { zone: '=HYPERLINK("x")', n: 0, rate: 1 },
      ],
    );
    expect(csv.startsWith(BOM)).toBe(true);
    expect(csv.slice(1).split('\r\n')).toEqual([
      'zone,n,rate',
      'Khu A – Rau củ,3,0.6667',
      '"Dãy ""cá"", tươi",-1,',
      `"'=HYPERLINK(""x"")",0,1`,
      '',
    ]);
  });
});

describe('CSV for people', () => {
  const columns: Column[] = [
    { name: 'stallCode', vi: 'Sạp', type: 'string' },
    { name: 'zone', vi: 'Khu', type: 'string', text: zoneText },
    { name: 'category', vi: 'Ngành hàng', type: 'string', text: categoryText },
    { name: 'status', vi: 'Trạng thái', type: 'string', text: stallStatusText },
    { name: 'paidIn7d', vi: 'Có giao dịch QR trong 7 ngày', type: 'boolean', text: yesNo },
    { name: 'raisedAt', vi: 'Thời điểm báo', type: 'string', text: localTimeText },
  ];
  const rows = [
    {
      stallCode: 'A-01',
      zone: 'A',
      category: 'vegetables',
      status: 'active',
      paidIn7d: true,
      raisedAt: '2026-12-07T01:55:00.000Z',
    },
    { stallCode: null, zone: '(unknown)', category: 'seafood', status: null, paidIn7d: false, raisedAt: null },
  ];

  it('Vietnamese headers and names, local time, a BOM', () => {
    expect(tableCsv(columns, rows, 'vi')).toBe(
      '\uFEFFSạp,Khu,Ngành hàng,Trạng thái,Có giao dịch QR trong 7 ngày,Thời điểm báo\r\n' +
        'A-01,Khu A,Rau củ,Đang hoạt động,Có,2026-12-07 08:55:00\r\n' +
        ',(chưa rõ),seafood,,Không,\r\n',
    );
  });

  it('with lang=en: the JSON keys as headers and English names; still local time', () => {
    expect(tableCsv(columns, rows, 'en').split('\r\n').slice(0, 2)).toEqual([
      '\uFEFFstallCode,zone,category,status,paidIn7d,raisedAt',
      'A-01,Zone A,Vegetables,Active,Yes,2026-12-07 08:55:00',
    ]);
  });

  it('a list of instants is one cell of local times', () => {
    expect(localTimeText(['2026-03-01T01:00:00Z', '2026-03-01T17:05:00Z'], 'vi')).toBe(
      '2026-03-01 08:00:00; 2026-03-02 00:05:00',
    );
    expect(zoneText('Khu B – Thịt cá', 'vi')).toBe('Khu B – Thịt cá');
  });
});
