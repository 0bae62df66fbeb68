/**
 * GET /api/v1/kiosk/status — lets a kiosk check that the server answers and that it is still
 * enrolled: 200 `{ station: { code, name }, label }`, or 401 KioskUnauthorized. Nothing else.
 */
import type { APIRoute } from 'astro';
import { json } from '../../../../server/web/http';
import { requireKiosk } from '../../../../server/stations/kiosks';
import { readKioskCredential } from '../../../../server/web/kiosk-cookie';

export const GET: APIRoute = async ({ request, cookies }) => {
  const kiosk = await requireKiosk(readKioskCredential(request, cookies));
  return json({ station: { code: kiosk.station.code, name: kiosk.station.name }, label: kiosk.label }, 200, { 'cache-control': 'no-store' });
};
