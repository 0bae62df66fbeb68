-- What was still queued one row per comment moves to one row, oldest first (grouping/group-imported.ts).
INSERT INTO "near_group_imports" ("comment_ids", "created_at")
SELECT array_agg("comment_id" ORDER BY "created_at", "comment_id"), now() FROM "near_group_queue" HAVING count(*) > 0;
--> statement-breakpoint
DROP TABLE "near_group_queue" CASCADE;
