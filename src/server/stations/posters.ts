/**
 * Printable posters (代表码 / 提案屋): each station and each of its deputies has a QR code that a
 * resident scans with their own phone to reach the comment form, attributed to the station
 * (channel station_qr) and, for a deputy's poster, to the deputy.
 */
import QRCode from 'qrcode';

/** The address a station's (or one of its deputies') poster points to. */
export function stationCommentUrl(origin: string, stationCode: string, deputyId?: string): string {
  const url = new URL(`/stations/${encodeURIComponent(stationCode)}`, origin);
  if (deputyId) url.searchParams.set('deputy', deputyId);
  return url.toString();
}

/**
 * A QR code for `text` as an SVG data URL (the CSP allows data: images), black on white with a
 * quiet zone, error correction M: robust on a printed A4 poster and on a kiosk screen.
 */
export async function qrDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
