-- The inbox's counts are cached per instance, keyed by this version (review/inbox-counts.ts).
-- Every statement that can change them bumps it in its own transaction, so another instance's
-- next read sees a new version as soon as the change is committed. New comments are not counted
-- here (submissions must not queue on one row): the cache's short life covers them.
INSERT INTO "inbox_counts_version" ("id", "version") VALUES (1, 0) ON CONFLICT DO NOTHING;
--> statement-breakpoint
CREATE FUNCTION bump_inbox_counts_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE inbox_counts_version SET version = version + 1 WHERE id = 1;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER comments_inbox_counts_update
  AFTER UPDATE OF status, adoption, channel, district, article_number, station_id, assignee_id, group_id,
    approval_requested_at, hidden_at, round_id, draft_id ON comments
  FOR EACH STATEMENT EXECUTE FUNCTION bump_inbox_counts_version();
--> statement-breakpoint
CREATE TRIGGER comments_inbox_counts_delete
  AFTER DELETE ON comments
  FOR EACH STATEMENT EXECUTE FUNCTION bump_inbox_counts_version();
--> statement-breakpoint
CREATE TRIGGER comment_tags_inbox_counts
  AFTER INSERT OR UPDATE OR DELETE ON comment_tags
  FOR EACH STATEMENT EXECUTE FUNCTION bump_inbox_counts_version();
