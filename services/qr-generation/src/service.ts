import type { ServiceDefinition } from '@marketqr/service-runtime';

/**
 * qr-generation: VietQR codes and the registry of printed posters: a static QR per stall, dynamic QRs with amount and expiry, images and printable posters, and the "is this QR genuine?" check.
 * Started by main.ts; tests start the same definition in-process or as a child process.
 */
export const definition: ServiceDefinition<{}> = {
  name: 'qr-generation',
  version: '0.1.0',
  defaultPort: 4102,
};
