import { z } from 'zod';
import { accessConfigShape } from './access';

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * qr-generation's own settings, on top of the shared ones (service-runtime). Each line is one environment variable;
 * `.env.example` and the README list the same names.
 */
export const qrConfigShape = {
  /** JWT_ALGORITHM, JWT_SECRET, JWT_PUBLIC_KEY, JWT_ISSUER, JWT_AUDIENCE …: @marketqr/auth's variables. */
  ...accessConfigShape,

  /** A dynamic QR lives this long when the request does not say. */
  QR_DEFAULT_TTL_SECONDS: seconds(900),
  /** Bounds for a requested time to live: shorter makes a code that expires before the shopper has paid. */
  QR_MIN_TTL_SECONDS: seconds(60),
  QR_MAX_TTL_SECONDS: seconds(24 * 3600),
  /** How often this replica looks for dynamic QRs past their expiry (FerretDB has no TTL indexes). */
  QR_EXPIRY_SWEEP_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),

  /** Absolute base for links to images in answers (`https://qr.example.vn`); links are relative when unset. */
  QR_PUBLIC_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  /**
   * The city written in tag 60 (folded) and 64/02 (with diacritics) of every QR. A deployment serves one province,
   * and the merchant snapshot carries no city, so it is a setting: "Hồ Chí Minh", "Hà Nội". Unset: no city tags.
   */
  QR_MERCHANT_CITY: z.string().min(1).max(15).optional(),

  /** Largest uploaded image the genuine check reads (bytes). */
  QR_UPLOAD_MAX_BYTES: z.coerce.number().int().min(1_024).max(20_000_000).default(2_000_000),
  /** Largest decoded image (width × height): a small compressed file can still expand to gigabytes of pixels. */
  QR_IMAGE_MAX_PIXELS: z.coerce.number().int().min(10_000).max(50_000_000).default(12_000_000),
};

export type QrConfig = z.infer<z.ZodObject<typeof qrConfigShape>>;
