/**
 * GET /api/v1/staff/drafts/{slug}/rounds/{n}/themes?article=K: the themes of article K (absent or
 * `general`: 总体意见; `all`: every article), biggest first, 其他独立意见 last (themes/read-themes.ts).
 */
import type { APIRoute } from 'astro';
import { requirePermission } from '../../../../../../../../server/auth/permissions';
import { json } from '../../../../../../../../server/web/http';
import { param, parseQuery } from '../../../../../../../../server/params';
import { roundNumberSchema, slugSchema } from '../../../../../../../../server/drafts/schemas';
import { themesQuerySchema } from '../../../../../../../../server/themes/schemas';
import { loadThemes } from '../../../../../../../../server/themes/read-themes';

export const GET: APIRoute = async ({ locals, params, url }) => {
  const user = requirePermission(locals.user, 'comment:read');
  const slug = param(slugSchema, params.slug, 'DraftNotFound');
  const round = param(roundNumberSchema, params.n, 'RoundNotFound');
  const { article } = parseQuery(url, themesQuerySchema);
  const { themes } = await loadThemes(slug, round, article === undefined || article === 'general' ? 0 : article, user);
  return json({
    themes: themes.map((th) => ({
      id: th.id, article: th.article === 0 ? null : th.article, other: th.other, label: th.label, keyPhrases: th.keyPhrases,
      comments: th.comments, people: th.people, quotes: th.quotes,
    })),
  }, 200, { 'cache-control': 'no-store' });
};
