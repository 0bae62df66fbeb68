/// <reference types="astro/client" />

declare namespace App {
  interface Locals {
    locale: import('./i18n').Locale;
    largeText: boolean;
    /** The signed-in person (session cookie) or API client (bearer token); null when anonymous. */
    user: import('./server/auth/session-user').SessionUser | null;
    /** The client's IP address (X-Forwarded-For only when TRUST_PROXY=true). */
    ip: string;
    /** The request's id (X-Request-Id, src/server/log.ts): in the access line, the response header and the error pages. */
    requestId?: string;
    /** An anonymous render of a public draft page that a proxy and the render cache may share (web/public-cache.ts): no per-visitor bits. */
    sharedPage?: boolean;
    /** The error the middleware is rendering src/pages/error.astro for (its field issues are listed there). */
    failure?: import('./server/errors').AppError;
  }
}
