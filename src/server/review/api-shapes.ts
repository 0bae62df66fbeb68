/** The staff API's JSON shapes (shared/docs/api.md): stable names, ISO times, contact masked without contact:view. */
import type { InboxItem } from './inbox';
import type { StaffCommentView } from './comment-view';
import type { z } from 'zod';
import type { Channel, staffCommentResponse, staffListItem } from '../api-responses';

/** One row of GET /api/v1/staff/comments. */
export function apiListItem(c: InboxItem): z.output<typeof staffListItem> {
  return {
    id: c.id, receipt: c.receipt, draft: c.draftSlug, round: c.roundNumber, article: c.articleNumber,
    excerpt: c.excerpt, channel: c.channel as Channel, district: c.district, station: c.stationName, status: c.status,
    adoption: c.adoption, awaitingApproval: c.awaitingApproval, hidden: c.hidden, groupId: c.groupId, groupSize: c.groupSize,
    assignee: c.assigneeName, voices: c.voices, tags: c.tags, createdAt: c.createdAt.toISOString(),
  };
}

/** GET /api/v1/staff/comments/{id}: the comment with tags, group, decision and audit history. */
export function apiComment(c: StaffCommentView): z.output<typeof staffCommentResponse> {
  return {
    id: c.id, receipt: c.receipt, draft: c.draft.slug, round: c.round.number, article: c.article?.number ?? null,
    articleText: c.article?.text ?? null, body: c.body, channel: c.channel as Channel, station: c.station?.code ?? null,
    submitter: c.submitter, status: c.status, createdAt: c.createdAt.toISOString(),
    hidden: c.hidden ? { at: c.hidden.at.toISOString(), reason: c.hidden.reason } : null,
    assignee: c.assignee,
    tags: c.tags.map((t) => t.name),
    suggestedTags: c.suggestedTags.map((t) => ({ tag: t.name, confidence: t.confidence })),
    group: c.group,
    decision: {
      adoption: c.adoption, reason: c.reason, response: c.response, decidedBy: c.decidedBy,
      decidedAt: c.decidedAt?.toISOString() ?? null, approvedBy: c.approvedBy, awaitingApproval: c.awaitingApproval,
      respondedAt: c.respondedAt?.toISOString() ?? null,
    },
    history: c.history.map((h) => ({ at: h.at.toISOString(), action: h.action, actor: h.actorName, before: h.before, after: h.after })),
  };
}
