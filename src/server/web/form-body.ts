/**
 * Reading an HTML form post strictly: application/x-www-form-urlencoded only, at most 64 KB
 * (refused before reading more), and every field checked for valid UTF-8 — the browser's own
 * FormData parser silently turns invalid bytes into U+FFFD, which would store garbage.
 */
import { AppError } from '../errors';
import { readText } from './http';

export const FORM_LIMIT_BYTES = 64 * 1024;

export interface FormBody {
  /** First value of each field; invalid UTF-8 shown with U+FFFD so the form can be redisplayed. */
  values: Record<string, string>;
  /** Fields whose bytes were not valid UTF-8 (or were malformed percent-escapes). */
  invalid: string[];
}

function decodeLenient(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b);
    }
  }
  return new TextDecoder('utf-8').decode(new Uint8Array(bytes));
}

/** Parses an urlencoded body; reports fields with invalid encoding instead of guessing. */
export function parseUrlEncoded(body: string): FormBody {
  const values: Record<string, string> = {};
  const invalid: string[] = [];
  for (const pair of body.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawName = (eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' ');
    const rawValue = (eq < 0 ? '' : pair.slice(eq + 1)).replace(/\+/g, ' ');
    let name: string;
    try {
      name = decodeURIComponent(rawName);
    } catch {
      continue;
    }
    if (name in values) continue;
    try {
      values[name] = decodeURIComponent(rawValue);
    } catch {
      values[name] = decodeLenient(rawValue);
      invalid.push(name);
    }
  }
  return { values, invalid };
}

/**
 * Reads the form of `request`. Throws UnsupportedMediaType (not an urlencoded form),
 * PayloadTooLarge (over 64 KB, before reading it all) or BadRequest (raw bytes not UTF-8).
 */
export async function readForm(request: Request, limitBytes = FORM_LIMIT_BYTES): Promise<FormBody> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new AppError('UnsupportedMediaType', { expected: 'application/x-www-form-urlencoded' });
  }
  return parseUrlEncoded(await readText(request, limitBytes));
}
