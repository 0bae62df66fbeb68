DROP INDEX "comment_tags_tag";--> statement-breakpoint
CREATE INDEX "comment_tags_tag" ON "comment_tags" USING btree ("tag_id","comment_id");