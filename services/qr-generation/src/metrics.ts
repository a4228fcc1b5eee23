import { Counter, Histogram, Registry } from 'prom-client';

function create(registry: Registry) {
  const registers = [registry];
  return {
    issued: new Counter({
      name: 'qr_issued_total',
      help: 'QRs issued, by kind (static poster or dynamic) and trigger (api or merchant_event)',
      labelNames: ['kind', 'via'] as const,
      registers,
    }),
    revoked: new Counter({
      name: 'qr_revoked_total',
      help: 'QRs revoked, by kind and reason code',
      labelNames: ['kind', 'reason'] as const,
      registers,
    }),
    expired: new Counter({ name: 'qr_expired_total', help: 'Dynamic QRs the sweeper expired', registers }),
    checks: new Counter({
      name: 'qr_genuine_checks_total',
      help: 'Genuine checks answered, by verdict and input (payload or image)',
      labelNames: ['verdict', 'input'] as const,
      registers,
    }),
    reports: new Counter({
      name: 'qr_reports_total',
      help: "Flagged checks a shopper reported to the market's management, by verdict",
      labelNames: ['verdict'] as const,
      registers,
    }),
    renders: new Histogram({
      name: 'qr_render_seconds',
      help: 'Time to render an image or a poster, by format',
      labelNames: ['format'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}

/**
 * The service's own metrics. Components are built in `setup`, before runService creates the registry: they count
 * into a private registry until `bind` (called from `mount`) moves them to the service's.
 */
export class QrMetrics {
  private current: ReturnType<typeof create>;
  constructor() {
    this.current = create(new Registry());
  }
  bind(registry: Registry): void {
    this.current = create(registry);
  }
  get m(): ReturnType<typeof create> {
    return this.current;
  }
}
