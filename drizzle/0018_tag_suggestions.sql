CREATE TABLE "tag_suggestion_rejections" (
	"comment_id" uuid NOT NULL,
	"tag_id" uuid NOT NULL,
	"round_id" uuid NOT NULL,
	"rejected_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tag_suggestion_rejections_comment_id_tag_id_pk" PRIMARY KEY("comment_id","tag_id")
);
--> statement-breakpoint
CREATE TABLE "tag_suggestion_runs" (
	"round_id" uuid PRIMARY KEY NOT NULL,
	"model_version" integer DEFAULT 0 NOT NULL,
	"source" text NOT NULL,
	"round_tagged" integer DEFAULT 0 NOT NULL,
	"trained_on" integer DEFAULT 0 NOT NULL,
	"learned_tags" text[] DEFAULT '{}'::text[] NOT NULL,
	"coding_pairs" integer DEFAULT 0 NOT NULL,
	"rejections" integer DEFAULT 0 NOT NULL,
	"comments" integer DEFAULT 0 NOT NULL,
	"suggestions" integer DEFAULT 0 NOT NULL,
	"duration_ms" integer DEFAULT 0 NOT NULL,
	"finished_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tag_suggestions" (
	"comment_id" uuid NOT NULL,
	"tag_id" uuid NOT NULL,
	"round_id" uuid NOT NULL,
	"confidence" real NOT NULL,
	"model_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tag_suggestions_comment_id_tag_id_pk" PRIMARY KEY("comment_id","tag_id")
);
--> statement-breakpoint
ALTER TABLE "tag_suggestion_rejections" ADD CONSTRAINT "tag_suggestion_rejections_comment_id_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."comments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_suggestion_rejections" ADD CONSTRAINT "tag_suggestion_rejections_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_suggestion_rejections" ADD CONSTRAINT "tag_suggestion_rejections_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_suggestion_rejections" ADD CONSTRAINT "tag_suggestion_rejections_rejected_by_users_id_fk" FOREIGN KEY ("rejected_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_suggestion_runs" ADD CONSTRAINT "tag_suggestion_runs_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_suggestions" ADD CONSTRAINT "tag_suggestions_comment_id_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."comments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_suggestions" ADD CONSTRAINT "tag_suggestions_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tag_suggestions" ADD CONSTRAINT "tag_suggestions_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tag_suggestion_rejections_round" ON "tag_suggestion_rejections" USING btree ("round_id");--> statement-breakpoint
CREATE INDEX "tag_suggestions_round_confidence" ON "tag_suggestions" USING btree ("round_id","confidence");