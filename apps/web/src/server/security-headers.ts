import type { RequestHandler } from 'express';

/**
 * The browser-side protections every answer of the public origin carries:
 * - a Content-Security-Policy that allows only this origin's own script (the shell has no inline script) and its
 *   WebAssembly (the QR reader), images from
 *   this origin and the `data:`/`blob:` URLs the QR images and the camera use, and no framing;
 * - `X-Content-Type-Options: nosniff` and `X-Frame-Options: DENY` for browsers that predate CSP's frame-ancestors;
 * - `Referrer-Policy: no-referrer`: links carry `?access_token=` (a PDF, a CSV, the event stream), and a Referer must
 *   never take that URL to another site.
 * Styles may be inline (`style-src 'unsafe-inline'`): the pages set element styles from script; no script can be.
 */
const CSP = [
  "default-src 'self'",
  // 'wasm-unsafe-eval' lets the page compile WebAssembly (the QR reader, served from this origin); it allows no eval().
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': CSP,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Permissions-Policy': 'camera=(self), microphone=(), geolocation=()',
  });
  next();
};
