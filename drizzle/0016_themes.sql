CREATE TABLE "theme_comments" (
	"comment_id" uuid PRIMARY KEY NOT NULL,
	"theme_id" uuid NOT NULL,
	"round_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "theme_runs" (
	"round_id" uuid PRIMARY KEY NOT NULL,
	"mode" text NOT NULL,
	"through" timestamp with time zone NOT NULL,
	"full_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"duration_ms" integer NOT NULL,
	"comments" integer NOT NULL,
	"added_since_full" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "theme_sets" (
	"round_id" uuid NOT NULL,
	"article_number" integer NOT NULL,
	"idf" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"default_idf" real DEFAULT 1 NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "theme_sets_round_id_article_number_pk" PRIMARY KEY("round_id","article_number")
);
--> statement-breakpoint
CREATE TABLE "themes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"round_id" uuid NOT NULL,
	"article_number" integer NOT NULL,
	"other" boolean DEFAULT false NOT NULL,
	"auto_label" text NOT NULL,
	"label" text,
	"labelled_by" uuid,
	"key_phrases" text[] DEFAULT '{}'::text[] NOT NULL,
	"centroid" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"comments" integer DEFAULT 0 NOT NULL,
	"people" integer DEFAULT 0 NOT NULL,
	"quotes" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "theme_comments" ADD CONSTRAINT "theme_comments_comment_id_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."comments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "theme_comments" ADD CONSTRAINT "theme_comments_theme_id_themes_id_fk" FOREIGN KEY ("theme_id") REFERENCES "public"."themes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "theme_comments" ADD CONSTRAINT "theme_comments_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "theme_runs" ADD CONSTRAINT "theme_runs_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "theme_sets" ADD CONSTRAINT "theme_sets_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "themes" ADD CONSTRAINT "themes_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "themes" ADD CONSTRAINT "themes_labelled_by_users_id_fk" FOREIGN KEY ("labelled_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "theme_comments_theme" ON "theme_comments" USING btree ("theme_id");--> statement-breakpoint
CREATE INDEX "theme_comments_round" ON "theme_comments" USING btree ("round_id");--> statement-breakpoint
CREATE INDEX "themes_round_article" ON "themes" USING btree ("round_id","article_number");