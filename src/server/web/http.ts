/**
 * Small helpers shared by API routes and middleware: reading a JSON body with a size limit,
 * the client IP, JSON responses.
 */
import { AppError } from '../errors';

/**
 * Reads a JSON body of at most `limitBytes`, refusing wrong content types, bad JSON and strings
 * that are not well-formed Unicode (a lone surrogate: ValidationFailed naming the field).
 */
export async function readJson(request: Request, limitBytes = 64 * 1024): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new AppError('UnsupportedMediaType', { expected: 'application/json' });
  }
  const text = await readText(request, limitBytes);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('MalformedJson');
  }
  // The bytes are valid UTF-8, but a \ud800 escape still makes a lone surrogate: refuse it here, for every API body.
  if (/\\u[dD][89a-fA-F]/.test(text)) {
    const field = illFormedAt(value);
    if (field !== null) throw new AppError('ValidationFailed', {}, [{ field: field || 'body', key: 'comment.field.invalidEncoding' }]);
  }
  return value;
}

/** The path (a.b.0) of the first key or string in `value` that is not well-formed Unicode, or null. */
function illFormedAt(value: unknown): string | null {
  // A loop, not recursion: 64 KB of '[' nests deeper than the call stack goes.
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return path;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v)) {
        const here = path ? `${path}.${k}` : k;
        if (!k.isWellFormed()) return here;
        stack.push([child, here]);
      }
    }
  }
  return null;
}

/** Reads the body as UTF-8 text, refusing more than `limitBytes` before reading it all and invalid UTF-8. */
export async function readText(request: Request, limitBytes: number): Promise<string> {
  const bytes = await readBytes(request, limitBytes);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AppError('BadRequest');
  }
}

/** Reads the raw body, refusing (PayloadTooLarge) more than `limitBytes` before reading it all. */
export async function readBytes(request: Request, limitBytes: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > limitBytes) throw new AppError('PayloadTooLarge', { limit: formatBytes(limitBytes) });
  if (!request.body) return Buffer.alloc(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client went away in the middle of its body (cut short, connection reset).
      throw new AppError('BadRequest');
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > limitBytes) {
      await reader.cancel().catch(() => {});
      throw new AppError('PayloadTooLarge', { limit: formatBytes(limitBytes) });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

export function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MB` : `${Math.round(n / 1024)} KB`;
}

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
