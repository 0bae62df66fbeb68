/**
 * QR codes, one way for every page that shows one (station posters, the kiosk, a receipt's
 * return link): black on white with a quiet zone, error correction M — robust on a printed A4
 * poster and on a kiosk screen. The qrcode package is loaded on first use, not at every start
 * (decision 030).
 */
/** A QR code for `text` as SVG markup. */
export async function qrSvg(text: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, color: { dark: '#000000', light: '#ffffff' } });
}

/** A QR code for `text` as an SVG data URL (the CSP allows data: images). */
export async function qrDataUrl(text: string): Promise<string> {
  return `data:image/svg+xml;base64,${Buffer.from(await qrSvg(text)).toString('base64')}`;
}
