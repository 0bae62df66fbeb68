/**
 * Printable posters (代表码 / 提案屋): each station and each of its deputies has a QR code that a
 * resident scans with their own phone to reach the comment form, attributed to the station
 * (channel station_qr) and, for a deputy's poster, to the deputy.
 */

/** The address a station's (or one of its deputies') poster points to. */
export function stationCommentUrl(origin: string, stationCode: string, deputyId?: string): string {
  const url = new URL(`/stations/${encodeURIComponent(stationCode)}`, origin);
  if (deputyId) url.searchParams.set('deputy', deputyId);
  return url.toString();
}
