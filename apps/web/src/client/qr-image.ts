/**
 * Draws a QR from its payload on the phone, as an SVG data URL for an <img>. Issuing a dynamic QR answers with the
 * payload only: drawing it here costs the phone a millisecond once, where drawing it on the server for every vendor
 * of a province was the cost that capped QR issue. The symbol is made by the same `qrcode` library and drawn by the
 * same `svgOfModules` as qr-generation's own images (`/qr/:id/image.svg`), at error correction M.
 */
import { create } from 'qrcode';
import { svgOfModules } from '@marketqr/vietqr/dist/svg';

export function qrImageUrl(payload: string): string {
  const { modules } = create(payload, { errorCorrectionLevel: 'M' });
  const svg = svgOfModules(modules, {
    margin: 4,
    size: (modules.size + 8) * 8,
    lightFill: 'fill="#ffffff"',
    darkFill: 'fill="#000000"',
  });
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}
