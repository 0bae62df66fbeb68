/**
 * GET /kiosk/sw.js — the kiosk's service worker (source: ./_sw.js). Served by a route rather
 * than from public/ so it can carry `Service-Worker-Allowed: /kiosk`: the page lives at /kiosk
 * (no trailing slash), outside the default scope /kiosk/ of a script in that folder.
 */
import type { APIRoute } from 'astro';
import source from './_sw.js?raw';

export const GET: APIRoute = () =>
  new Response(source, {
    headers: {
      'content-type': 'text/javascript; charset=utf-8',
      'service-worker-allowed': '/kiosk',
      'cache-control': 'no-cache',
    },
  });
