/**
 * What each kind of message says, in zh-CN and en (the i18n dictionaries' `message.*` keys): a
 * subject, a plain-text body, the same as simple HTML, and a short SMS text. A message is stored
 * as its kind and parameters and rendered here when it is sent, as an SMS provider renders its
 * approved template (短信模板) from a template name and named parameters.
 *
 * Parameters are plain text; the HTML escapes every one of them (a staff response is text, never
 * markup) and links only the portal's own URLs, which are parameters named `url`/`unsubscribe`.
 */
import { t, type Locale, type MessageKey } from '../../i18n';

export const messageKinds = ['verify', 'reset', 'signup-exists', 'answered', 'follow-confirm', 'round-opened', 'feedback-published'] as const;
export type MessageKind = (typeof messageKinds)[number];

/** Kinds that carry a code: their parameters are sealed, and staff never see more than the row. */
export const codeKinds: ReadonlySet<MessageKind> = new Set(['verify', 'reset']);

/** Kinds sent because someone chose to follow a draft: each carries its unsubscribe link. */
export const followKinds: ReadonlySet<MessageKind> = new Set(['round-opened', 'feedback-published']);

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  sms: string;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The lines of a kind's body; optional parts (a reason, a response) only when given. */
function bodyLines(kind: MessageKind, locale: Locale, p: Record<string, string>): string[] {
  const line = (key: MessageKey) => t(locale, key, p);
  switch (kind) {
    case 'answered':
      return [
        line('message.answered.text'),
        line('message.answered.decision'),
        ...(p.reason ? [line('message.answered.reason')] : []),
        ...(p.response ? [line('message.answered.response')] : []),
        line('message.answered.link'),
      ];
    default:
      return [line(`message.${kind}.text` as MessageKey)];
  }
}

/** Renders a message; `params` holds every parameter (the sealed ones opened). */
export function renderMessage(kind: MessageKind, locale: Locale, params: Record<string, string>): RenderedMessage {
  const p: Record<string, string> = { site: t(locale, 'site.fullName'), ...params };
  const lines = bodyLines(kind, locale, p);
  if (p.unsubscribe) lines.push(t(locale, 'message.unsubscribe', p));
  lines.push(t(locale, 'message.signature', p));
  const text = lines.join('\n\n');
  const links = new Set([p.url, p.unsubscribe].filter(Boolean));
  const paragraph = (s: string) => {
    let html = escapeHtml(s).replace(/\n/g, '<br>');
    for (const url of links) {
      const e = escapeHtml(url);
      html = html.split(e).join(`<a href="${e}">${e}</a>`);
    }
    return `<p>${html}</p>`;
  };
  const html = `<!doctype html><html lang="${locale}"><head><meta charset="utf-8"><title>${escapeHtml(t(locale, `message.${kind}.subject` as MessageKey, p))}</title></head>`
    + `<body style="font-family:sans-serif;font-size:16px;line-height:1.6;color:#1a1a1a">${lines.map(paragraph).join('')}</body></html>`;
  return {
    subject: t(locale, `message.${kind}.subject` as MessageKey, p),
    text,
    html,
    sms: t(locale, `message.${kind}.sms` as MessageKey, p),
  };
}
