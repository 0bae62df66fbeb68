CREATE TABLE "near_group_queue" (
	"comment_id" uuid PRIMARY KEY NOT NULL,
	"round_id" uuid NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "near_group_queue" ADD CONSTRAINT "near_group_queue_comment_id_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."comments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "near_group_queue_order" ON "near_group_queue" USING btree ("created_at","comment_id");