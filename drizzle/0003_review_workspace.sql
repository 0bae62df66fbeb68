ALTER TABLE "comments" ADD COLUMN "lsh_bands" integer[];--> statement-breakpoint
ALTER TABLE "comments" ADD COLUMN "approval_requested_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "comments_created" ON "comments" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "comments_status_created" ON "comments" USING btree ("status","created_at","id");--> statement-breakpoint
CREATE INDEX "comments_adoption_created" ON "comments" USING btree ("adoption","created_at","id");--> statement-breakpoint
CREATE INDEX "comments_channel_created" ON "comments" USING btree ("channel","created_at","id");--> statement-breakpoint
CREATE INDEX "comments_district_created" ON "comments" USING btree ("district","created_at","id");--> statement-breakpoint
CREATE INDEX "comments_group_created" ON "comments" USING btree ("group_id","created_at","id");--> statement-breakpoint
CREATE INDEX "comments_round_article_created" ON "comments" USING btree ("round_id","article_number","created_at","id");--> statement-breakpoint
CREATE INDEX "comments_round_fingerprint" ON "comments" USING btree ("round_id","fingerprint");--> statement-breakpoint
CREATE INDEX "comments_lsh_bands" ON "comments" USING gin ("lsh_bands");