import { checkAll, KeyedMutex, rule } from '@marketqr/service-kit';
import type { ServiceDefinition } from '@marketqr/service-runtime';
import { createAccess } from './access';
import { qrConfigShape } from './config';
import { dynamicQrRouter, dynamicQrRoutes } from './dynamic-qr/dynamic-qr.http';
import { DynamicQrService } from './dynamic-qr/dynamic-qr.service';
import { expirySweeper } from './dynamic-qr/expiry-sweeper';
import { bindMessagingMetrics, createEventOutbox, createMerchantEventsConsumer } from './events';
import { genuineCheckRouter, genuineCheckRoutes } from './genuine-check/genuine-check.http';
import { GenuineCheckService } from './genuine-check/genuine-check.service';
import { imageRoutes, imagesRouter } from './images/images.http';
import { ImageService } from './images/images.service';
import { merchantEventHandlers } from './merchants/merchant-events.consumer';
import { QrMetrics } from './metrics';
import { qrCodeRoutes, qrCodesRouter } from './qr-codes/qr-codes.http';
import { staticQrRouter, staticQrRoutes } from './static-qr/static-qr.http';
import { StaticQrService } from './static-qr/static-qr.service';
import { MerchantStore } from './store/merchant-store';
import { registerModels } from './store/models';
import { QrStore } from './store/qr-store';

/**
 * qr-generation: VietQR codes and the registry of printed posters: a static QR per stall, dynamic QRs with amount and
 * expiry, images and printable posters, and the "is this QR genuine?" check.
 * Started by main.ts; tests start the same definition in-process or as a child process.
 */
export const definition: ServiceDefinition<typeof qrConfigShape> = {
  name: 'qr-generation',
  version: '0.1.0',
  defaultPort: 4102,
  configShape: qrConfigShape,
  setup({ config, logger, kafka, db, topicPrefix, clock }) {
    const ttl = {
      defaultSeconds: config.QR_DEFAULT_TTL_SECONDS,
      minSeconds: config.QR_MIN_TTL_SECONDS,
      maxSeconds: config.QR_MAX_TTL_SECONDS,
    };
    // Every problem named in one failed start.
    const [, access] = checkAll(
      rule(
        ttl.minSeconds <= ttl.defaultSeconds && ttl.defaultSeconds <= ttl.maxSeconds,
        'QR_DEFAULT_TTL_SECONDS: must lie within QR_MIN_TTL_SECONDS … QR_MAX_TTL_SECONDS',
      ),
      () => createAccess(config, logger),
    );
    const city = config.QR_MERCHANT_CITY ?? null;
    const metrics = new QrMetrics();
    const models = registerModels(db);
    // One writer per stall inside this process: FerretDB can lose one of two concurrent updates of a document.
    const mutex = new KeyedMutex();
    const merchants = new MerchantStore(models);

    const { outbox, relay } = createEventOutbox({ kafka, db, logger, topicPrefix });
    const store = new QrStore(models, outbox, metrics, logger, clock);
    const statics = new StaticQrService({ store, merchants, mutex, city, logger });
    const consumer = createMerchantEventsConsumer({
      kafka,
      db,
      logger,
      topicPrefix,
      handlers: merchantEventHandlers({ merchants, store, statics, mutex, city, logger }),
    });
    const dynamics = new DynamicQrService({ store, merchants, mutex, city, clock });
    const images = new ImageService(metrics);
    const checks = new GenuineCheckService({ models, merchants, metrics, logger, outbox });
    const sweeper = expirySweeper({ models, store, mutex, intervalMs: config.QR_EXPIRY_SWEEP_MS, logger, clock });

    const lookups = { access, merchants, store, clock, publicBaseUrl: config.QR_PUBLIC_BASE_URL ?? null };
    return {
      routes: [...staticQrRoutes, ...dynamicQrRoutes, ...qrCodeRoutes, ...imageRoutes, ...genuineCheckRoutes],
      mount(app, registry) {
        metrics.bind(registry.registry);
        bindMessagingMetrics(registry.registry, { relay, consumer });
        app.use(
          genuineCheckRouter({
            access,
            checks,
            models,
            uploadMaxBytes: config.QR_UPLOAD_MAX_BYTES,
            imageMaxPixels: config.QR_IMAGE_MAX_PIXELS,
            clock,
          }),
        );
        app.use(staticQrRouter({ ...lookups, statics }));
        app.use(dynamicQrRouter({ ...lookups, dynamics, images, ttl }));
        app.use(qrCodesRouter({ ...lookups, models }));
        app.use(imagesRouter({ ...lookups, images }));
      },
      // Relay before consumer: events raised while catching up on merchant history are published as they are stored.
      resources: [relay, consumer, sweeper],
    };
  },
};
