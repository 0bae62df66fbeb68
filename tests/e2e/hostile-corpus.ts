/**
 * The hostile-input corpus (issue 9): malformed and malicious requests against every public and
 * staff endpoint and form, each with what must happen. hostile.spec.ts runs it against the built
 * server and then checks the database. Paths, headers and string bodies may name values of the
 * run as {{name}} (see `HostileContext`); they are filled in just before sending.
 *
 * Expectations, decided per case:
 * - refused: a 4xx answered with a JSON error with a code and a Chinese message (under /api),
 *   or a page with a Chinese message (role="alert" box or the error page);
 * - stored as typed: text that is a legitimate comment (or tag, template, name) even though it
 *   contains markup or formula-looking text is stored and answered 2xx/303; the pages that show
 *   it are then fetched and must show it escaped (no raw payload);
 * - sign-in: a page that needs an account answers an anonymous or forged session with 303 to
 *   /signin (the browser's way to a clear message), and nothing is done.
 * Bodies of refused comments carry the word 拒收 so that the database check can prove none was stored.
 */

export type Principal = 'anonymous' | 'citizen' | 'victim' | 'deputy' | 'staff' | 'admin' | 'staffToken' | 'kiosk';

export type Expect = number | '2xx' | '3xx' | '4xx';

export type Check =
  /** JSON error; `code` when a particular catalogue code is required. */
  | { kind: 'json'; code?: string }
  /** An HTML page with a Chinese message (form alert or error page). */
  | { kind: 'page' }
  /** 303 to /signin. */
  | { kind: 'signin' }
  /** 303 to the receipt lookup form (no access to someone else's receipt). */
  | { kind: 'lookup' }
  /** Stored as typed: `view` pages must contain `marker` and never the raw `payload`. */
  | { kind: 'stored'; payload: string; marker: string; view: 'receipt' | { path: string; as: Principal } }
  /** A harmless read (e.g. a search for SQL text): 2xx, nothing else to check. */
  | { kind: 'ok' }
  /**
   * The client broke HTTP itself (a body cut short, bytes after the declared length): Node's HTTP
   * layer answers 400 and closes; no one is left to read a message. Only the status is checked.
   */
  | { kind: 'transport' };

export interface HostileCase {
  name: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  /** Who sends it: their session cookie, bearer token or kiosk credential is added. */
  as?: Principal;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send over a raw socket (wrong Content-Length); `halfClose` ends our side after the bytes. */
  raw?: { contentLength: number; halfClose?: boolean };
  expect: Expect;
  check: Check;
}

/** Values of the run, known only once the server is up (ids, receipts). */
export interface HostileContext {
  victimReceipt: string;
  victimCode: string;
  otherReceipt: string;
  otherCode: string;
  victimCommentId: string;
  victimUserId: string;
  citizenUserId: string;
  staffUserId: string;
  adminUserId: string;
}

const SLUG = 'jiesu-jiban';
const API = `/api/v1/drafts/${SLUG}/comments`;
const FORM = `/drafts/${SLUG}/comment`;
const JSON_CT = { 'content-type': 'application/json' };
const FORM_CT = { 'content-type': 'application/x-www-form-urlencoded' };

/** XSS payloads; the ones with angle brackets are refused in one-line fields. */
export const xssPayloads = [
  '<script>alert("kx1")</script>',
  '"><img src=x onerror=alert("kx2")>',
  "javascript:alert('kx3')",
  '<svg/onload=alert("kx4")>',
  "'><iframe src=javascript:alert(`kx5`)></iframe>",
  '<a href="javascript:alert(1)">kx6</a>',
  '</textarea><script>alert("kx7")</script>',
  '<img src="x" onerror="alert(&quot;kx8&quot;)">',
];
const hasMarkup = (s: string) => /[<>]/.test(s);

let n = 0;
/** A unique marker per stored case, to find it on the pages that show it. */
const mark = () => `HM${String(++n).padStart(3, '0')}`;
const refused = (extra = '') => `拒收的意见内容${extra}，不应保存。`;
const enc = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const json = (v: unknown) => JSON.stringify(v);

const cases: HostileCase[] = [];
const add = (c: HostileCase) => cases.push(c);

// ── XSS in every text field ──────────────────────────────────────────────────
for (const [i, p] of xssPayloads.entries()) {
  const m = mark();
  add({ name: `api body xss ${i + 1}`, method: 'POST', path: API, headers: JSON_CT, body: json({ body: `${m} ${p} 建议增加夜间人工服务。` }), expect: 201, check: { kind: 'stored', payload: p, marker: m, view: 'receipt' } });
  for (const field of ['name', 'district', 'occupation'] as const) {
    if (hasMarkup(p)) {
      add({ name: `api ${field} xss ${i + 1}`, method: 'POST', path: API, headers: JSON_CT, body: json({ body: refused(field), [field]: p }), expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });
    } else {
      const mm = mark();
      add({ name: `api ${field} xss ${i + 1} (no markup: stored)`, method: 'POST', path: API, headers: JSON_CT, body: json({ body: `${mm} 关于热线的意见内容。`, [field]: p, publishName: true }), expect: 201, check: { kind: 'stored', payload: p, marker: mm, view: 'receipt' } });
    }
  }
  add({ name: `api contact xss ${i + 1}`, method: 'POST', path: API, headers: JSON_CT, body: json({ body: refused('contact'), contact: p }), expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });
  const fm = mark();
  add({ name: `form body xss ${i + 1}`, method: 'POST', path: FORM, headers: FORM_CT, body: enc({ round: '3', body: `${fm} ${p} 网页表单提交的意见。` }), expect: 303, check: { kind: 'stored', payload: p, marker: fm, view: 'receipt' } });
  if (hasMarkup(p)) {
    add({ name: `form name xss ${i + 1}`, method: 'POST', path: FORM, headers: FORM_CT, body: enc({ round: '3', body: refused('form name'), name: p }), expect: 400, check: { kind: 'page' } });
    add({ name: `form occupation xss ${i + 1}`, method: 'POST', path: FORM, headers: FORM_CT, body: enc({ round: '3', body: refused('form occupation'), occupation: p }), expect: 400, check: { kind: 'page' } });
  }
  add({ name: `signin account xss ${i + 1}`, method: 'POST', path: '/signin', headers: FORM_CT, body: enc({ account: p, password: 'whatever-password' }), expect: '4xx', check: { kind: 'page' } });
  add({ name: `receipt lookup xss ${i + 1}`, method: 'POST', path: '/receipts', headers: FORM_CT, body: enc({ receipt: p, code: p }), expect: '4xx', check: { kind: 'page' } });
}
for (const [i, p] of xssPayloads.slice(0, 3).entries()) {
  const m = mark();
  add({ name: `signup name xss ${i + 1} (stored as typed)`, method: 'POST', path: '/signup', headers: FORM_CT,
    body: enc({ account: `xss${i}@hostile.example`, password: 'Hostile-Passw0rd-2026', passwordConfirm: 'Hostile-Passw0rd-2026', name: `${m}${p}`.slice(0, 50), district: '东城区', occupation: '' }),
    expect: 303, check: { kind: 'stored', payload: p.slice(0, 50 - m.length), marker: m, view: { path: '/admin/users', as: 'admin' } } });
}
{
  const p = xssPayloads[0];
  const m = mark();
  add({ name: 'staff tag name xss (stored as typed)', method: 'POST', path: '/staff/tags', as: 'staff', headers: FORM_CT, body: enc({ name: `${m}<b>x</b>` }), expect: 303, check: { kind: 'stored', payload: '<b>x</b>', marker: m, view: { path: '/staff/tags', as: 'staff' } } });
  const t = mark();
  add({ name: 'staff template xss (stored as typed)', method: 'POST', path: '/staff/templates', as: 'staff', headers: FORM_CT, body: enc({ op: 'create', title: `${t}模板`, body: `${p} 模板正文` }), expect: 303, check: { kind: 'stored', payload: p, marker: t, view: { path: '/staff/templates', as: 'staff' } } });
  const d = mark();
  add({ name: 'staff decision reason xss via API (stored as typed)', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'staffToken', headers: JSON_CT,
    body: json({ adoption: 'not_adopted', reason: `${d} ${p}`, response: `${p} 答复内容`, publish: true }), expect: 200, check: { kind: 'stored', payload: p, marker: d, view: { path: '/staff/comments/{{victimCommentId}}', as: 'staff' } } });
  const s = mark();
  add({ name: 'admin station name xss (stored as typed)', method: 'POST', path: '/admin/stations', as: 'admin', headers: FORM_CT, body: enc({ station_code: 'HX-XSS', name: `${s}<script>x</script>`, type: '代表联络站', district: '东城区' }), expect: 303, check: { kind: 'stored', payload: '<script>x</script>', marker: s, view: { path: '/admin/stations', as: 'admin' } } });
}

// ── CSV formula injection (stored as typed; the staff CSV neutralises them, checked in the spec) ──
export const formulaBodies = ['=cmd|\' /C calc\'!A0 公式注入意见', '+SUM(1,2) 公式注入意见', '-2+3+cmd|\' /C calc\'!A0 意见', '@SUM(A1:A9) 公式注入意见', '\t=1+1 制表符开头的意见', '=HYPERLINK("http://evil.example","点这里") 意见'];
for (const [i, b] of formulaBodies.entries()) {
  add({ name: `csv formula body ${i + 1}`, method: 'POST', path: API, headers: JSON_CT, body: json({ body: b, name: i === 0 ? '=1+2' : undefined }), expect: 201, check: { kind: 'ok' } });
}

// ── SQL metacharacters ───────────────────────────────────────────────────────
{
  const m = mark();
  const sqlText = "'); drop table comments; -- 意见";
  add({ name: 'sql in comment body (stored as typed)', method: 'POST', path: API, headers: JSON_CT, body: json({ body: `${m} ${sqlText}` }), expect: 201, check: { kind: 'stored', payload: sqlText, marker: m, view: 'receipt' } });
}
add({ name: 'sql in slug', method: 'POST', path: `/api/v1/drafts/${SLUG}'%20or%20'1'='1/comments`, headers: JSON_CT, body: json({ body: refused('slug') }), expect: 404, check: { kind: 'json' } });
add({ name: 'sql in draft read slug', method: 'GET', path: "/api/v1/drafts/x'%3Bselect%20pg_sleep(5)--", expect: 404, check: { kind: 'json', code: 'DraftNotFound' } });
add({ name: 'sql in round query', method: 'GET', path: `/api/v1/drafts/${SLUG}?round=1%20or%201=1`, expect: 400, check: { kind: 'json' } });
add({ name: 'sql in receipt number', method: 'GET', path: "/api/v1/receipts/JS3'%20OR%20'1'='1?code=x", expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });
add({ name: 'sql in receipt code', method: 'GET', path: "/api/v1/receipts/{{otherReceipt}}?code='%20OR%201=1--", expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });
add({ name: 'sql in signin account', method: 'POST', path: '/signin', headers: FORM_CT, body: enc({ account: "admin@example.cn' --", password: "' OR '1'='1" }), expect: '4xx', check: { kind: 'page' } });
add({ name: 'sql in staff search (harmless read)', method: 'GET', path: "/staff/comments?q=%27%20OR%201%3D1%20--", as: 'staff', expect: 200, check: { kind: 'ok' } });
add({ name: 'sql in staff api filter', method: 'GET', path: "/api/v1/staff/comments?draft=x'%20or%201=1--&tag=%27%3B", as: 'staffToken', expect: 200, check: { kind: 'ok' } });
add({ name: 'sql in staff api id', method: 'GET', path: "/api/v1/staff/comments/1%20or%201=1", as: 'staffToken', expect: 404, check: { kind: 'json' } });
add({ name: 'sql in tag name via API (stored as typed)', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/tags', as: 'staffToken', headers: JSON_CT, body: json({ tags: ["'); delete from tags; --"] }), expect: 200, check: { kind: 'ok' } });
add({ name: 'sql in station code', method: 'GET', path: "/stations/DC'%20or%201=1--", expect: 404, check: { kind: 'page' } });

// ── Invalid UTF-8 ────────────────────────────────────────────────────────────
const badUtf8 = (prefix: string, suffix: string) => Buffer.concat([Buffer.from(prefix), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(suffix)]);
add({ name: 'invalid utf-8 in api json', method: 'POST', path: API, headers: JSON_CT, body: badUtf8('{"body":"拒收', '无效编码的意见内容"}'), expect: 400, check: { kind: 'json', code: 'BadRequest' } });
add({ name: 'invalid utf-8 in form body bytes', method: 'POST', path: FORM, headers: FORM_CT, body: badUtf8('round=3&body=', 'abcdefg'), expect: 400, check: { kind: 'page' } });
add({ name: 'invalid utf-8 percent-escape in form', method: 'POST', path: FORM, headers: FORM_CT, body: 'round=3&body=%E6%8B%92%E6%94%B6%FF%FE%C3%28abcdef', expect: 400, check: { kind: 'page' } });
add({ name: 'broken percent-escape in form', method: 'POST', path: FORM, headers: FORM_CT, body: 'round=3&body=%E6%8B%92%E6%94%B6%ZZabc%', expect: 400, check: { kind: 'page' } });
add({ name: 'invalid utf-8 in signin', method: 'POST', path: '/signin', headers: FORM_CT, body: badUtf8('account=', '@x.cn&password=x'), expect: 400, check: { kind: 'page' } });
add({ name: 'invalid utf-8 in kiosk api', method: 'POST', path: '/api/v1/kiosk/comments', as: 'kiosk', headers: JSON_CT, body: badUtf8(`{"draft":"${SLUG}","body":"拒收`, '","idempotencyKey":"kiosk-bad-utf8-1"}'), expect: 400, check: { kind: 'json' } });
add({ name: 'invalid utf-8 in decision api', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'staffToken', headers: JSON_CT, body: badUtf8('{"adoption":"adopted","reason":"', '"}'), expect: 400, check: { kind: 'json' } });
add({ name: 'invalid utf-8 in deputy sheet', method: 'POST', path: `/deputy/enter?rows=1&draft=${SLUG}`, as: 'deputy', headers: FORM_CT, body: badUtf8('station=DC-JDK&r0.body=', 'x'), expect: 400, check: { kind: 'page' } });
add({ name: 'lone surrogate escape in api json', method: 'POST', path: API, headers: JSON_CT, body: '{"body":"拒收的意见\\ud800内容不应保存"}', expect: 400, check: { kind: 'json' } });
add({ name: 'overlong utf-8 slash in path', method: 'GET', path: '/drafts/%C0%AFetc%C0%AFpasswd', expect: 400, check: { kind: 'page' } });
add({ name: 'broken escape in a form address', method: 'POST', path: '/drafts/%zz/comment', headers: FORM_CT, body: 'round=3&body=%E5%BB%BA%E8%AE%AE', expect: 400, check: { kind: 'page' } });
add({ name: 'overlong utf-8 in an API path', method: 'GET', path: '/api/v1/drafts/%C0%AF', expect: 400, check: { kind: 'json', code: 'BadRequest' } });

// ── NUL and control characters ──────────────────────────────────────────────
add({ name: 'NUL in api body', method: 'POST', path: API, headers: JSON_CT, body: json({ body: '拒收的意见\u0000内容不应保存' }), expect: 400, check: { kind: 'json' } });
add({ name: 'NUL in api name', method: 'POST', path: API, headers: JSON_CT, body: json({ body: refused('nul name'), name: 'a\u0000b' }), expect: 400, check: { kind: 'json' } });
add({ name: 'NUL in idempotency key', method: 'POST', path: API, headers: JSON_CT, body: json({ body: refused('nul key'), idempotencyKey: 'abcdefgh\u0000ijk' }), expect: 400, check: { kind: 'json' } });
add({ name: 'NUL in form body', method: 'POST', path: FORM, headers: FORM_CT, body: 'round=3&body=%E6%8B%92%E6%94%B6%00abcdef', expect: 400, check: { kind: 'page' } });
add({ name: 'NUL in signin account', method: 'POST', path: '/signin', headers: FORM_CT, body: 'account=citizen%40example.cn%00&password=x', expect: '4xx', check: { kind: 'page' } });
add({ name: 'NUL in decision reason', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'staffToken', headers: JSON_CT, body: json({ adoption: 'not_adopted', reason: '理由\u0000含有空字符' }), expect: 400, check: { kind: 'json' } });
add({ name: 'NUL in tag via API', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/tags', as: 'staffToken', headers: JSON_CT, body: json({ tags: ['标签\u0000空字符'] }), expect: 400, check: { kind: 'json' } });
add({ name: 'NUL in tag form', method: 'POST', path: '/staff/tags', as: 'staff', headers: FORM_CT, body: 'name=%E6%A0%87%00x', expect: 400, check: { kind: 'page' } });
add({ name: 'NUL in template form', method: 'POST', path: '/staff/templates', as: 'staff', headers: FORM_CT, body: 'op=create&title=t%00&body=b%00b', expect: 400, check: { kind: 'page' } });
add({ name: 'NUL in staff search', method: 'GET', path: '/staff/comments?q=%00%00', as: 'staff', expect: '4xx', check: { kind: 'page' } });
add({ name: 'NUL in staff api search', method: 'GET', path: '/api/v1/staff/comments?q=a%00b', as: 'staffToken', expect: 400, check: { kind: 'json' } });
add({ name: 'NUL in receipt path', method: 'GET', path: '/api/v1/receipts/JS3%00?code=x', expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });
add({ name: 'NUL in draft path', method: 'GET', path: '/drafts/jiesu%00-jiban', expect: 404, check: { kind: 'page' } });
add({ name: 'NUL in signup name', method: 'POST', path: '/signup', headers: FORM_CT, body: enc({ account: 'nul@hostile.example', password: 'Hostile-Passw0rd-2026', passwordConfirm: 'Hostile-Passw0rd-2026', name: 'a\u0000b', district: '东城区' }), expect: 400, check: { kind: 'page' } });
add({ name: 'control chars in deputy sheet', method: 'POST', path: `/deputy/enter?rows=1&draft=${SLUG}`, as: 'deputy', headers: FORM_CT, body: enc({ station: 'DC-JDK', idempotencyKey: 'hostile-sheet-ctl-0001', 'r0.body': '拒收\u0000\u0007控制字符的意见', 'r0.voices': '1' }), expect: 400, check: { kind: 'page' } });

// ── Huge bodies ──────────────────────────────────────────────────────────────
const big = (bytes: number, fill = 'a') => Buffer.alloc(bytes, fill);
add({ name: 'huge api json (3 MB)', method: 'POST', path: API, headers: JSON_CT, body: Buffer.concat([Buffer.from('{"body":"拒收'), big(3 << 20), Buffer.from('"}')]), expect: 413, check: { kind: 'json', code: 'PayloadTooLarge' } });
add({ name: 'huge form (3 MB)', method: 'POST', path: FORM, headers: FORM_CT, body: Buffer.concat([Buffer.from('round=3&body=%E6%8B%92%E6%94%B6'), big(3 << 20)]), expect: 413, check: { kind: 'page' } });
add({ name: 'huge signin (1 MB)', method: 'POST', path: '/signin', headers: FORM_CT, body: Buffer.concat([Buffer.from('account='), big(1 << 20)]), expect: 413, check: { kind: 'page' } });
add({ name: 'huge decision (1 MB)', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'staffToken', headers: JSON_CT, body: Buffer.concat([Buffer.from('{"adoption":"adopted","reason":"'), big(1 << 20), Buffer.from('"}')]), expect: 413, check: { kind: 'json', code: 'PayloadTooLarge' } });
add({ name: 'huge kiosk comment (1 MB)', method: 'POST', path: '/api/v1/kiosk/comments', as: 'kiosk', headers: JSON_CT, body: Buffer.concat([Buffer.from(`{"draft":"${SLUG}","idempotencyKey":"kiosk-huge-00001","body":"拒收`), big(1 << 20), Buffer.from('"}')]), expect: 413, check: { kind: 'json', code: 'PayloadTooLarge' } });
add({ name: 'huge station import (5 MB multipart)', method: 'POST', path: '/admin/stations/import', as: 'admin', headers: { 'content-type': 'multipart/form-data; boundary=HB' }, body: Buffer.concat([Buffer.from('--HB\r\nContent-Disposition: form-data; name="csv"\r\n\r\n'), big(5 << 20), Buffer.from('\r\n--HB--\r\n')]), expect: 413, check: { kind: 'page' } });
add({ name: 'huge version upload (12 MB)', method: 'POST', path: '/staff/drafts/new', as: 'staff', headers: { 'content-type': 'multipart/form-data; boundary=HB' }, body: Buffer.concat([Buffer.from('--HB\r\nContent-Disposition: form-data; name="text"\r\n\r\n'), big(12 << 20), Buffer.from('\r\n--HB--\r\n')]), expect: '4xx', check: { kind: 'page' } });
add({ name: 'huge tags api (1 MB)', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/tags', as: 'staffToken', headers: JSON_CT, body: json({ tags: Array.from({ length: 40000 }, (_, i) => `t${i}`) }), expect: 413, check: { kind: 'json', code: 'PayloadTooLarge' } });
add({ name: 'too many tags', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/tags', as: 'staffToken', headers: JSON_CT, body: json({ tags: Array.from({ length: 200 }, (_, i) => `标签${i}`) }), expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });
add({ name: 'comment body over 5000 characters', method: 'POST', path: API, headers: JSON_CT, body: json({ body: `拒收${'长'.repeat(6000)}` }), expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });
add({ name: 'declared content-length over the limit', method: 'POST', path: API, headers: JSON_CT, body: '{"body":"拒收的意见内容不应保存"}', raw: { contentLength: 50 << 20 }, expect: 413, check: { kind: 'json', code: 'PayloadTooLarge' } });
add({ name: 'content-length longer than the body (cut short)', method: 'POST', path: API, headers: JSON_CT, body: '{"body":"拒收的意见内容不应保存"', raw: { contentLength: 4000, halfClose: true }, expect: 400, check: { kind: 'transport' } });
add({ name: 'content-length shorter than the body', method: 'POST', path: API, headers: JSON_CT, body: '{"body":"拒收的意见内容不应保存"}', raw: { contentLength: 12 }, expect: 400, check: { kind: 'transport' } });
add({ name: 'form content-length shorter than the body', method: 'POST', path: '/signin', headers: FORM_CT, body: 'account=citizen%40example.cn&password=nope-nope', raw: { contentLength: 10 }, expect: 400, check: { kind: 'transport' } });

// ── Deep JSON ────────────────────────────────────────────────────────────────
add({ name: 'deep json arrays', method: 'POST', path: API, headers: JSON_CT, body: '['.repeat(30000) + ']'.repeat(30000), expect: 400, check: { kind: 'json' } });
add({ name: 'deep json objects', method: 'POST', path: API, headers: JSON_CT, body: '{"body":' + '{"a":'.repeat(10000) + '"拒收"' + '}'.repeat(10001), expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });
add({ name: 'deep json in decision', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'staffToken', headers: JSON_CT, body: '{"adoption":' + '['.repeat(20000) + ']'.repeat(20000) + '}', expect: '4xx', check: { kind: 'json' } });
add({ name: 'deep json in tags', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/tags', as: 'staffToken', headers: JSON_CT, body: '{"tags":' + '['.repeat(20000) + ']'.repeat(20000) + '}', expect: '4xx', check: { kind: 'json' } });
add({ name: 'deep json at kiosk', method: 'POST', path: '/api/v1/kiosk/comments', as: 'kiosk', headers: JSON_CT, body: '['.repeat(15000) + ']'.repeat(15000), expect: 400, check: { kind: 'json' } });
add({ name: 'json body is a string', method: 'POST', path: API, headers: JSON_CT, body: '"拒收的意见内容不应保存"', expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });
add({ name: 'json body is null', method: 'POST', path: API, headers: JSON_CT, body: 'null', expect: 400, check: { kind: 'json' } });
add({ name: 'json with __proto__', method: 'POST', path: API, headers: JSON_CT, body: '{"__proto__":{"body":"拒收的意见内容不应保存"},"constructor":{"prototype":{"isAdmin":true}}}', expect: 400, check: { kind: 'json' } });
add({ name: 'article as huge number', method: 'POST', path: API, headers: JSON_CT, body: '{"body":"拒收的意见内容不应保存","article":1e309}', expect: 400, check: { kind: 'json' } });
add({ name: 'article as object', method: 'POST', path: API, headers: JSON_CT, body: json({ body: refused('article'), article: { $gt: 0 } }), expect: 400, check: { kind: 'json' } });
add({ name: 'article negative', method: 'POST', path: API, headers: JSON_CT, body: json({ body: refused('article'), article: -3 }), expect: 400, check: { kind: 'json' } });
add({ name: 'article that does not exist', method: 'POST', path: API, headers: JSON_CT, body: json({ body: refused('article'), article: 9999 }), expect: 404, check: { kind: 'json', code: 'ArticleNotFound' } });
add({ name: 'trailing garbage after json', method: 'POST', path: API, headers: JSON_CT, body: '{"body":"拒收的意见内容不应保存"} xyz', expect: 400, check: { kind: 'json', code: 'MalformedJson' } });
add({ name: 'closed round comment', method: 'POST', path: '/api/v1/drafts/tingche/comments', headers: JSON_CT, body: json({ body: refused('closed') }), expect: 409, check: { kind: 'json', code: 'ConsultationClosed' } });
add({ name: 'upcoming round comment', method: 'POST', path: '/api/v1/drafts/lifafa/comments', headers: JSON_CT, body: json({ body: refused('upcoming') }), expect: 409, check: { kind: 'json' } });

// ── Wrong content types ──────────────────────────────────────────────────────
for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/jsonx', '']) {
  add({ name: `api comment with content-type "${type}"`, method: 'POST', path: API, headers: type ? { 'content-type': type } : {}, body: json({ body: refused(type) }), expect: 415, check: { kind: 'json', code: 'UnsupportedMediaType' } });
}
for (const [path, as] of [[FORM, 'anonymous'], ['/signin', 'anonymous'], ['/signup', 'anonymous'], ['/receipts', 'anonymous'], ['/account/reset', 'anonymous'], ['/staff/tags', 'staff'], ['/admin/kiosks', 'admin'], [`/deputy/enter?rows=1&draft=${SLUG}`, 'deputy'], ['/staff/drafts/tingche/rounds/2', 'staff'], ['/kiosk/enroll', 'anonymous']] as const) {
  add({ name: `form ${path} as json`, method: 'POST', path, as, headers: JSON_CT, body: json({ body: refused('json form'), round: 3, account: 'x', action: 'publish' }), expect: 415, check: { kind: 'page' } });
}
add({ name: 'form with text/plain', method: 'POST', path: FORM, headers: { 'content-type': 'text/plain' }, body: `round=3&body=${encodeURIComponent(refused('text'))}`, expect: 415, check: { kind: 'page' } });
add({ name: 'comment form as multipart', method: 'POST', path: FORM, headers: { 'content-type': 'multipart/form-data; boundary=HB' }, body: `--HB\r\nContent-Disposition: form-data; name="body"\r\n\r\n${refused('mp')}\r\n--HB--\r\n`, expect: 415, check: { kind: 'page' } });
add({ name: 'malformed multipart at station import', method: 'POST', path: '/admin/stations/import', as: 'admin', headers: { 'content-type': 'multipart/form-data; boundary=HB' }, body: '--HB\r\ngarbage without end', expect: 400, check: { kind: 'page' } });
add({ name: 'multipart without boundary at upload', method: 'POST', path: '/staff/drafts/new', as: 'staff', headers: { 'content-type': 'multipart/form-data' }, body: 'not a multipart body', expect: '4xx', check: { kind: 'page' } });
add({ name: 'decision api as form', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'staffToken', headers: FORM_CT, body: 'adoption=adopted', expect: 415, check: { kind: 'json', code: 'UnsupportedMediaType' } });
add({ name: 'report page post as text/plain', method: 'POST', path: '/staff/drafts/tingche/rounds/2', as: 'staff', headers: { 'content-type': 'text/plain' }, body: 'action=publish', expect: 415, check: { kind: 'page' } });

// ── Wrong methods ────────────────────────────────────────────────────────────
add({ name: 'PUT on the comments API', method: 'PUT', path: API, headers: JSON_CT, body: json({ body: refused('put') }), expect: 405, check: { kind: 'json', code: 'MethodNotAllowed' } });
add({ name: 'DELETE a receipt', method: 'DELETE', path: '/api/v1/receipts/{{otherReceipt}}?code={{otherCode}}', expect: 405, check: { kind: 'json', code: 'MethodNotAllowed' } });
add({ name: 'POST to a read-only API', method: 'POST', path: '/api/v1/drafts', headers: JSON_CT, body: '{}', expect: 405, check: { kind: 'json', code: 'MethodNotAllowed' } });
add({ name: 'PATCH staff comment', method: 'PATCH', path: '/api/v1/staff/comments/{{victimCommentId}}', as: 'staffToken', headers: JSON_CT, body: json({ status: 'answered' }), expect: 405, check: { kind: 'json', code: 'MethodNotAllowed' } });
add({ name: 'DELETE a page', method: 'DELETE', path: '/signin', expect: 405, check: { kind: 'page' } });
add({ name: 'GET signout', method: 'GET', path: '/signout', as: 'citizen', expect: 405, check: { kind: 'page' } });
add({ name: 'POST to the home page', method: 'POST', path: '/', headers: FORM_CT, body: 'x=1', expect: 405, check: { kind: 'page' } });
add({ name: 'POST to a draft page', method: 'POST', path: `/drafts/${SLUG}`, headers: FORM_CT, body: enc({ body: refused('draft page') }), expect: 405, check: { kind: 'page' } });
add({ name: 'POST to prefs', method: 'POST', path: '/prefs?lang=en', headers: FORM_CT, body: 'x=1', expect: 405, check: { kind: 'page' } });

// ── Cross-origin POSTs (every form and write endpoint) ─────────────────────
const writeTargets: Array<[string, Principal]> = [
  [API, 'anonymous'], ['/api/v1/kiosk/comments', 'kiosk'], ['/api/v1/staff/comments/{{victimCommentId}}/decision', 'staff'], ['/api/v1/staff/comments/{{victimCommentId}}/tags', 'staff'],
  [FORM, 'anonymous'], ['/signin', 'anonymous'], ['/signup', 'anonymous'], ['/signout', 'citizen'], ['/receipts', 'anonymous'], ['/receipts/{{otherReceipt}}', 'anonymous'],
  ['/account/password', 'citizen'], ['/account/verify', 'citizen'], ['/account/reset', 'anonymous'], ['/account/reset-confirm', 'anonymous'],
  ['/admin/users/new', 'admin'], ['/admin/users/{{victimUserId}}', 'admin'], ['/admin/stations', 'admin'], ['/admin/stations/DC-JDK', 'admin'], ['/admin/stations/import', 'admin'], ['/admin/kiosks', 'admin'], ['/admin/tokens', 'admin'],
  ['/staff/comments', 'staff'], ['/staff/comments/{{victimCommentId}}', 'staff'], ['/staff/drafts/new', 'staff'], [`/staff/drafts/${SLUG}`, 'staff'], [`/staff/drafts/${SLUG}/upload`, 'staff'],
  ['/staff/drafts/tingche/rounds/2', 'staff'], ['/staff/groups/00000000-0000-4000-8000-000000000000', 'staff'], ['/staff/tags', 'staff'], ['/staff/templates', 'staff'],
  [`/deputy/enter?rows=1&draft=${SLUG}`, 'deputy'], ['/kiosk/enroll', 'anonymous'], [`/stations/DC-JDK/comment?draft=${SLUG}`, 'anonymous'],
];
for (const [path, as] of writeTargets) {
  const api = path.startsWith('/api/');
  add({ name: `cross-origin POST ${path}`, method: 'POST', path, as, headers: { origin: 'https://evil.example', ...(api ? JSON_CT : FORM_CT) },
    body: api ? json({ body: refused('xo'), adoption: 'adopted', tags: ['跨站'] }) : enc({ body: refused('xo'), round: '3', name: '跨站', op: 'create', title: '跨站', intent: 'create', label: '跨站', role: 'admin' }),
    expect: 403, check: api ? { kind: 'json', code: 'CrossOriginRefused' } : { kind: 'page' } });
}
add({ name: 'cross-site fetch metadata without Origin', method: 'POST', path: FORM, headers: { origin: '', 'sec-fetch-site': 'cross-site', ...FORM_CT }, body: enc({ round: '3', body: refused('sfs') }), expect: 403, check: { kind: 'page' } });
add({ name: 'same-site (other subdomain) fetch metadata', method: 'POST', path: '/staff/tags', as: 'staff', headers: { origin: '', 'sec-fetch-site': 'same-site', ...FORM_CT }, body: enc({ name: '跨子域' }), expect: 403, check: { kind: 'page' } });
add({ name: 'Origin null (sandboxed frame)', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'staff', headers: { origin: 'null', ...JSON_CT }, body: json({ adoption: 'adopted' }), expect: 403, check: { kind: 'json', code: 'CrossOriginRefused' } });
add({ name: 'Origin with other port', method: 'POST', path: '/admin/tokens', as: 'admin', headers: { origin: 'http://localhost:1', ...FORM_CT }, body: enc({ intent: 'create', userId: '{{staffUserId}}', label: '跨端口' }), expect: 403, check: { kind: 'page' } });

// ── Forged cookies and tokens ───────────────────────────────────────────────
add({ name: 'forged session cookie on a staff page', method: 'GET', path: '/staff', headers: { cookie: 'kaimen_session=forged.forged' }, expect: 303, check: { kind: 'signin' } });
add({ name: 'forged session cookie on staff API', method: 'GET', path: '/api/v1/staff/comments', headers: { cookie: "kaimen_session=' OR 1=1 --" }, expect: 401, check: { kind: 'json', code: 'Unauthenticated' } });
add({ name: 'forged session cookie posting a decision', method: 'POST', path: '/staff/comments/{{victimCommentId}}', headers: { cookie: `kaimen_session=${'a'.repeat(40)}`, ...FORM_CT }, body: enc({ intent: 'decide', adoption: 'adopted' }), expect: 303, check: { kind: 'signin' } });
add({ name: 'forged bearer token', method: 'GET', path: '/api/v1/staff/comments', headers: { authorization: 'Bearer kmn_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }, expect: 401, check: { kind: 'json', code: 'Unauthenticated' } });
add({ name: 'empty bearer token', method: 'GET', path: '/api/v1/staff/comments', headers: { authorization: 'Bearer ' }, expect: 401, check: { kind: 'json', code: 'Unauthenticated' } });
add({ name: 'basic auth instead of bearer', method: 'GET', path: '/api/v1/staff/comments', headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, expect: 401, check: { kind: 'json', code: 'Unauthenticated' } });
add({ name: 'forged bearer posting a decision', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', headers: { authorization: "Bearer ' or 1=1--", ...JSON_CT }, body: json({ adoption: 'adopted' }), expect: 401, check: { kind: 'json', code: 'Unauthenticated' } });
add({ name: 'forged bearer on a report download', method: 'GET', path: '/staff/drafts/tingche/rounds/2/report.csv', headers: { authorization: 'Bearer kmn_forged' }, expect: 401, check: { kind: 'json', code: 'Unauthenticated' } });
add({ name: 'forged kiosk credential', method: 'POST', path: '/api/v1/kiosk/comments', headers: { 'x-kiosk-credential': 'forged-credential', ...JSON_CT }, body: json({ draft: SLUG, body: refused('kiosk'), idempotencyKey: 'kiosk-forged-0001' }), expect: 401, check: { kind: 'json', code: 'KioskUnauthorized' } });
add({ name: 'forged kiosk cookie', method: 'POST', path: '/api/v1/kiosk/comments', headers: { cookie: 'kaimen_kiosk=forged', ...JSON_CT }, body: json({ draft: SLUG, body: refused('kiosk'), idempotencyKey: 'kiosk-forged-0002' }), expect: 401, check: { kind: 'json', code: 'KioskUnauthorized' } });
add({ name: 'forged kiosk status check', method: 'GET', path: '/api/v1/kiosk/status', headers: { 'x-kiosk-credential': "' or 1=1 --" }, expect: 401, check: { kind: 'json', code: 'KioskUnauthorized' } });
add({ name: 'forged receipt cookie for another receipt', method: 'GET', path: '/receipts/{{victimReceipt}}', headers: { cookie: 'kaimen_rc=AAAA-BBBB' }, expect: 303, check: { kind: 'lookup' } });
add({ name: 'kiosk credential on the staff API', method: 'GET', path: '/api/v1/staff/comments', as: 'kiosk', expect: 401, check: { kind: 'json', code: 'Unauthenticated' } });
add({ name: 'kiosk credential posting a decision', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'kiosk', headers: JSON_CT, body: json({ adoption: 'adopted' }), expect: 401, check: { kind: 'json', code: 'Unauthenticated' } });
add({ name: 'kiosk credential on the deputy sheet', method: 'POST', path: `/deputy/enter?rows=1&draft=${SLUG}`, as: 'kiosk', headers: FORM_CT, body: enc({ station: 'DC-JDK', 'r0.body': refused('kiosk deputy') }), expect: 303, check: { kind: 'signin' } });
add({ name: 'bad enrollment code', method: 'POST', path: '/kiosk/enroll', headers: FORM_CT, body: enc({ code: 'ZZZZ-ZZZZ' }), expect: 400, check: { kind: 'page' } });

// ── Other people's receipts and comments by id ──────────────────────────────
add({ name: "another's receipt without code", method: 'GET', path: '/api/v1/receipts/{{victimReceipt}}', as: 'citizen', expect: 404, check: { kind: 'json', code: 'ReceiptNotFound' } });
add({ name: "another's receipt with the wrong code", method: 'GET', path: '/api/v1/receipts/{{victimReceipt}}?code={{otherCode}}', expect: 404, check: { kind: 'json', code: 'ReceiptNotFound' } });
add({ name: "another's receipt page while signed in", method: 'GET', path: '/receipts/{{victimReceipt}}', as: 'citizen', expect: 303, check: { kind: 'lookup' } });
add({ name: "another's receipt looked up with a wrong code", method: 'POST', path: '/receipts', headers: FORM_CT, body: enc({ receipt: '{{victimReceipt}}', code: '{{otherCode}}' }), expect: '4xx', check: { kind: 'page' } });
add({ name: "rating another's comment", method: 'POST', path: '/receipts/{{victimReceipt}}', as: 'citizen', headers: FORM_CT, body: enc({ satisfaction: 'satisfied', remark: '冒名评价' }), expect: 303, check: { kind: 'lookup' } });
add({ name: "another's comment on the staff API as a citizen", method: 'GET', path: '/api/v1/staff/comments/{{victimCommentId}}', as: 'citizen', expect: 403, check: { kind: 'json', code: 'Forbidden' } });
add({ name: "another's comment on the staff API as a deputy", method: 'GET', path: '/api/v1/staff/comments/{{victimCommentId}}', as: 'deputy', expect: 403, check: { kind: 'json', code: 'Forbidden' } });
add({ name: "another's comment staff page as a citizen", method: 'GET', path: '/staff/comments/{{victimCommentId}}', as: 'citizen', expect: 403, check: { kind: 'page' } });
add({ name: 'staff comment that does not exist', method: 'GET', path: '/api/v1/staff/comments/00000000-0000-4000-8000-000000000000', as: 'staffToken', expect: 404, check: { kind: 'json', code: 'CommentNotFound' } });
add({ name: "someone else's export job", method: 'GET', path: '/staff/exports/00000000-0000-4000-8000-000000000000/download', as: 'staffToken', expect: 404, check: { kind: 'json' } });
add({ name: 'export job id that is not a uuid', method: 'GET', path: "/staff/exports/'%20or%201=1/download", as: 'staffToken', expect: 404, check: { kind: 'json' } });
add({ name: "deputy's feedback slip of another station", method: 'GET', path: '/stations/XC-XCA/comment?draft=jiesu-jiban&deputy={{adminUserId}}', expect: '2xx', check: { kind: 'ok' } });
add({ name: 'receipt path traversal', method: 'GET', path: '/api/v1/receipts/..%2F..%2Fetc%2Fpasswd?code=x', expect: 400, check: { kind: 'json', code: 'ValidationFailed' } });

// ── Role escalation through form fields ─────────────────────────────────────
add({ name: 'citizen posts role=admin to /account', method: 'POST', path: '/account', as: 'citizen', headers: FORM_CT, body: enc({ role: 'admin' }), expect: 405, check: { kind: 'page' } });
add({ name: 'citizen posts role=admin with a password change (wrong current)', method: 'POST', path: '/account/password', as: 'citizen', headers: FORM_CT, body: enc({ currentPassword: 'not-my-password', password: 'Hostile-Passw0rd-2026', passwordConfirm: 'Hostile-Passw0rd-2026', role: 'admin' }), expect: '4xx', check: { kind: 'page' } });
add({ name: 'sign-up with role=admin is a citizen (checked in the database)', method: 'POST', path: '/signup', headers: FORM_CT, body: enc({ account: 'escalate@hostile.example', password: 'Hostile-Passw0rd-2026', passwordConfirm: 'Hostile-Passw0rd-2026', name: '提权者', district: '东城区', role: 'admin', stations: 'DC-JDK', active: 'true' }), expect: 303, check: { kind: 'ok' } });
// Answered like any sign-up (303 to /signup/confirm): the form never tells that the account exists; its owner gets a notice.
add({ name: 'sign-up with an existing account', method: 'POST', path: '/signup', headers: FORM_CT, body: enc({ account: 'staff@example.cn', password: 'Hostile-Passw0rd-2026', passwordConfirm: 'Hostile-Passw0rd-2026', name: '冒名', district: '东城区' }), expect: 303, check: { kind: 'ok' } });
add({ name: 'citizen creates an admin account', method: 'POST', path: '/admin/users/new', as: 'citizen', headers: FORM_CT, body: enc({ role: 'admin', account: 'evil1@hostile.example', name: '恶意', password: 'Hostile-Passw0rd-2026' }), expect: 403, check: { kind: 'page' } });
add({ name: 'staff creates an account', method: 'POST', path: '/admin/users/new', as: 'staff', headers: FORM_CT, body: enc({ role: 'staff', account: 'evil2@hostile.example', name: '恶意', password: 'Hostile-Passw0rd-2026' }), expect: 403, check: { kind: 'page' } });
add({ name: 'admin form cannot create an admin', method: 'POST', path: '/admin/users/new', as: 'admin', headers: FORM_CT, body: enc({ role: 'admin', account: 'evil3@hostile.example', name: '恶意', password: 'Hostile-Passw0rd-2026' }), expect: 400, check: { kind: 'page' } });
add({ name: 'deputy deactivates an account', method: 'POST', path: '/admin/users/{{adminUserId}}', as: 'deputy', headers: FORM_CT, body: enc({ intent: 'deactivate' }), expect: 403, check: { kind: 'page' } });
add({ name: 'staff ends the admin sessions', method: 'POST', path: '/admin/users/{{adminUserId}}', as: 'staff', headers: FORM_CT, body: enc({ intent: 'endSessions' }), expect: 403, check: { kind: 'page' } });
add({ name: 'staff creates an API token for themself', method: 'POST', path: '/admin/tokens', as: 'staff', headers: FORM_CT, body: enc({ intent: 'create', userId: '{{staffUserId}}', label: '提权' }), expect: 403, check: { kind: 'page' } });
add({ name: 'staff token creates an API token', method: 'POST', path: '/admin/tokens', as: 'staffToken', headers: FORM_CT, body: enc({ intent: 'create', userId: '{{staffUserId}}', label: '提权' }), expect: 403, check: { kind: 'page' } });
add({ name: 'staff reads the audit log', method: 'GET', path: '/admin/audit', as: 'staff', expect: 403, check: { kind: 'page' } });
add({ name: 'deputy posts a decision on the API', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'deputy', headers: JSON_CT, body: json({ adoption: 'adopted' }), expect: 403, check: { kind: 'json', code: 'Forbidden' } });
add({ name: 'deputy posts a decision on the staff page', method: 'POST', path: '/staff/comments/{{victimCommentId}}', as: 'deputy', headers: FORM_CT, body: enc({ intent: 'decide', adoption: 'adopted' }), expect: 403, check: { kind: 'page' } });
add({ name: 'citizen posts a decision on the API', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/decision', as: 'citizen', headers: JSON_CT, body: json({ adoption: 'adopted' }), expect: 403, check: { kind: 'json', code: 'Forbidden' } });
add({ name: 'citizen tags a comment', method: 'POST', path: '/api/v1/staff/comments/{{victimCommentId}}/tags', as: 'citizen', headers: JSON_CT, body: json({ tags: ['提权'] }), expect: 403, check: { kind: 'json', code: 'Forbidden' } });
add({ name: 'citizen bulk action in the inbox', method: 'POST', path: '/staff/comments', as: 'citizen', headers: FORM_CT, body: enc({ action: 'decide', ids: '{{victimCommentId}}', adoption: 'adopted' }), expect: 403, check: { kind: 'page' } });
add({ name: 'deputy creates a tag', method: 'POST', path: '/staff/tags', as: 'deputy', headers: FORM_CT, body: enc({ name: '代表提权' }), expect: 403, check: { kind: 'page' } });
add({ name: 'citizen creates a template', method: 'POST', path: '/staff/templates', as: 'citizen', headers: FORM_CT, body: enc({ op: 'create', title: '提权', body: '提权' }), expect: 403, check: { kind: 'page' } });
add({ name: 'deputy publishes a new draft', method: 'POST', path: '/staff/drafts/new', as: 'deputy', headers: { 'content-type': 'multipart/form-data; boundary=HB' }, body: '--HB\r\nContent-Disposition: form-data; name="op"\r\n\r\npublish\r\n--HB--\r\n', expect: 403, check: { kind: 'page' } });
add({ name: 'citizen changes a round period', method: 'POST', path: `/staff/drafts/${SLUG}`, as: 'citizen', headers: FORM_CT, body: enc({ op: 'round', round: '3', closes: '2099-01-01T00:00' }), expect: 403, check: { kind: 'page' } });
add({ name: 'citizen publishes the feedback page', method: 'POST', path: '/staff/drafts/tingche/rounds/2', as: 'citizen', headers: FORM_CT, body: enc({ action: 'publish' }), expect: 403, check: { kind: 'page' } });
add({ name: 'deputy exports a report', method: 'GET', path: '/staff/drafts/tingche/rounds/2/report.csv', as: 'deputy', expect: 403, check: { kind: 'page' } });
add({ name: 'citizen imports stations', method: 'POST', path: '/admin/stations/import', as: 'citizen', headers: FORM_CT, body: enc({ csv: 'code,name,type,district,street,address\nEV-1,恶意站,代表联络站,东城区,,\n' }), expect: 403, check: { kind: 'page' } });
add({ name: 'deputy links themself to another station', method: 'POST', path: '/admin/stations/XC-XCA', as: 'deputy', headers: FORM_CT, body: enc({ intent: 'addDeputy', email: 'deputy@example.cn' }), expect: 403, check: { kind: 'page' } });
add({ name: 'deputy enrolls a kiosk', method: 'POST', path: '/admin/kiosks', as: 'deputy', headers: FORM_CT, body: enc({ intent: 'enroll', stationId: '00000000-0000-4000-8000-000000000000', label: '提权' }), expect: 403, check: { kind: 'page' } });
add({ name: 'citizen enters a deputy sheet', method: 'POST', path: `/deputy/enter?rows=1&draft=${SLUG}`, as: 'citizen', headers: FORM_CT, body: enc({ station: 'DC-JDK', 'r0.body': refused('citizen sheet') }), expect: 403, check: { kind: 'page' } });
add({ name: "deputy enters a sheet for a station that is not theirs", method: 'POST', path: `/deputy/enter?rows=1&draft=${SLUG}`, as: 'deputy', headers: FORM_CT, body: enc({ station: 'XC-XCA', idempotencyKey: 'hostile-sheet-other-01', 'r0.body': refused('other station'), 'r0.voices': '1' }), expect: '4xx', check: { kind: 'page' } });
add({ name: 'comment API with channel/status/user fields', method: 'POST', path: API, headers: JSON_CT, body: json({ body: '通过接口提交的普通意见，附带多余字段。', channel: 'letter', status: 'answered', userId: '{{adminUserId}}', receipt: 'JS3-FAKE', adoption: 'adopted' }), expect: 201, check: { kind: 'ok' } });
add({ name: 'kiosk comment claiming another station', method: 'POST', path: '/api/v1/kiosk/comments', as: 'kiosk', headers: JSON_CT, body: json({ draft: SLUG, body: '自助终端提交的意见，声称另一个站点。', stationId: '00000000-0000-4000-8000-000000000000', channel: 'web', idempotencyKey: 'kiosk-claim-station-1' }), expect: 201, check: { kind: 'ok' } });
add({ name: 'idempotency key reused with different text', method: 'POST', path: API, headers: JSON_CT, body: json({ body: refused('reuse'), idempotencyKey: 'hostile-victim-key-0001' }), expect: 409, check: { kind: 'json', code: 'Conflict' } });

export const hostileCorpus: readonly HostileCase[] = cases;
