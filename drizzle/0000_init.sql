CREATE TYPE "public"."adoption" AS ENUM('adopted', 'partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope', 'pending');--> statement-breakpoint
CREATE TYPE "public"."channel" AS ENUM('web', 'kiosk', 'station_qr', 'deputy', 'letter', 'api');--> statement-breakpoint
CREATE TYPE "public"."comment_status" AS ENUM('received', 'under_review', 'answered');--> statement-breakpoint
CREATE TYPE "public"."provision_kind" AS ENUM('chapter', 'section', 'article', 'paragraph', 'item');--> statement-breakpoint
CREATE TYPE "public"."role" AS ENUM('citizen', 'deputy', 'staff', 'admin');--> statement-breakpoint
CREATE TYPE "public"."satisfaction" AS ENUM('satisfied', 'basically_satisfied', 'not_satisfied');--> statement-breakpoint
CREATE TYPE "public"."station_type" AS ENUM('deputies_home', 'liaison_station', 'contact_point');--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"token_hash" text NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"actor_kind" text NOT NULL,
	"action" text NOT NULL,
	"object_type" text,
	"object_id" text,
	"ip" text,
	"before" jsonb,
	"after" jsonb,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "comment_groups" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"round_id" uuid NOT NULL,
	"fingerprint" text,
	"confirmed" boolean DEFAULT false NOT NULL,
	"label" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "comment_tags" (
	"comment_id" uuid NOT NULL,
	"tag_id" uuid NOT NULL,
	CONSTRAINT "comment_tags_comment_id_tag_id_pk" PRIMARY KEY("comment_id","tag_id")
);
--> statement-breakpoint
CREATE TABLE "comments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"receipt" text NOT NULL,
	"lookup_hash" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"draft_id" uuid NOT NULL,
	"round_id" uuid NOT NULL,
	"article_id" uuid,
	"article_number" integer,
	"body" text NOT NULL,
	"name" text,
	"publish_name" boolean DEFAULT false NOT NULL,
	"district" text,
	"occupation" text,
	"contact" text,
	"contact_erased_at" timestamp with time zone,
	"channel" "channel" NOT NULL,
	"station_id" uuid,
	"kiosk_id" uuid,
	"deputy_id" uuid,
	"user_id" uuid,
	"by_deputy" boolean DEFAULT false NOT NULL,
	"voices" integer DEFAULT 1 NOT NULL,
	"bigrams" text[] DEFAULT '{}'::text[] NOT NULL,
	"fingerprint" text NOT NULL,
	"minhash" integer[],
	"group_id" uuid,
	"assignee_id" uuid,
	"status" "comment_status" DEFAULT 'received' NOT NULL,
	"adoption" "adoption",
	"reason" text,
	"response" text,
	"decided_by" uuid,
	"decided_at" timestamp with time zone,
	"approved_by" uuid,
	"responded_at" timestamp with time zone,
	"hidden_at" timestamp with time zone,
	"hidden_reason" text,
	"satisfaction" "satisfaction",
	"satisfaction_remark" text,
	"rated_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "comments_receipt_unique" UNIQUE("receipt"),
	CONSTRAINT "comments_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "comments_body_length" CHECK (char_length("comments"."body") between 1 and 5000),
	CONSTRAINT "comments_voices" CHECK ("comments"."voices" between 1 and 100000)
);
--> statement-breakpoint
CREATE TABLE "drafts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"code" text NOT NULL,
	"summary" text,
	"require_approval" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "drafts_slug_unique" UNIQUE("slug"),
	CONSTRAINT "drafts_code_unique" UNIQUE("code"),
	CONSTRAINT "drafts_code_format" CHECK ("drafts"."code" ~ '^[A-Z]{2,4}$')
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" text DEFAULT 'queued' NOT NULL,
	"progress" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"locked_by" text,
	"locked_until" timestamp with time zone,
	"result_path" text,
	"error" text,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "kiosks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"station_id" uuid NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"enrollment_code_hash" text,
	"enrollment_expires_at" timestamp with time zone,
	"credential_hash" text,
	"enrolled_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kiosks_enrollment_code_hash_unique" UNIQUE("enrollment_code_hash"),
	CONSTRAINT "kiosks_credential_hash_unique" UNIQUE("credential_hash")
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"channel" text NOT NULL,
	"recipient" text NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "provisions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"kind" "provision_kind" NOT NULL,
	"parent_id" uuid,
	"seq" integer NOT NULL,
	"number" integer NOT NULL,
	"label" text,
	"title" text,
	"text" text DEFAULT '' NOT NULL,
	"lineage_id" uuid,
	"chapter_number" integer,
	"section_number" integer
);
--> statement-breakpoint
CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"points" integer NOT NULL,
	"reset_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "response_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"draft_id" uuid,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rounds" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"draft_id" uuid NOT NULL,
	"number" smallint NOT NULL,
	"label" text NOT NULL,
	"opens_at" timestamp with time zone NOT NULL,
	"closes_at" timestamp with time zone NOT NULL,
	"note_md" text,
	"feedback_published_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rounds_period" CHECK ("rounds"."closes_at" > "rounds"."opens_at"),
	CONSTRAINT "rounds_number" CHECK ("rounds"."number" between 1 and 9)
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" uuid NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"absolute_expires_at" timestamp with time zone NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "station_deputies" (
	"station_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	CONSTRAINT "station_deputies_station_id_user_id_pk" PRIMARY KEY("station_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "stations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"type" "station_type" NOT NULL,
	"district" text NOT NULL,
	"street" text,
	"address" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "stations_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"draft_id" uuid,
	"parent_id" uuid,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text,
	"phone" text,
	"password_hash" text NOT NULL,
	"role" "role" NOT NULL,
	"name" text,
	"district" text,
	"occupation" text,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email"),
	CONSTRAINT "users_phone_unique" UNIQUE("phone"),
	CONSTRAINT "users_login" CHECK ("users"."email" is not null or "users"."phone" is not null)
);
--> statement-breakpoint
CREATE TABLE "versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"round_id" uuid NOT NULL,
	"title" text NOT NULL,
	"preamble" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"source_text" text NOT NULL,
	"source_sha256" text NOT NULL,
	"counts" jsonb NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "versions_round_id_unique" UNIQUE("round_id")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comment_groups" ADD CONSTRAINT "comment_groups_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comment_tags" ADD CONSTRAINT "comment_tags_comment_id_comments_id_fk" FOREIGN KEY ("comment_id") REFERENCES "public"."comments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comment_tags" ADD CONSTRAINT "comment_tags_tag_id_tags_id_fk" FOREIGN KEY ("tag_id") REFERENCES "public"."tags"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_draft_id_drafts_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."drafts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_article_id_provisions_id_fk" FOREIGN KEY ("article_id") REFERENCES "public"."provisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_station_id_stations_id_fk" FOREIGN KEY ("station_id") REFERENCES "public"."stations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_kiosk_id_kiosks_id_fk" FOREIGN KEY ("kiosk_id") REFERENCES "public"."kiosks"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_deputy_id_users_id_fk" FOREIGN KEY ("deputy_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_group_id_comment_groups_id_fk" FOREIGN KEY ("group_id") REFERENCES "public"."comment_groups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_decided_by_users_id_fk" FOREIGN KEY ("decided_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "comments" ADD CONSTRAINT "comments_approved_by_users_id_fk" FOREIGN KEY ("approved_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "kiosks" ADD CONSTRAINT "kiosks_station_id_stations_id_fk" FOREIGN KEY ("station_id") REFERENCES "public"."stations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "provisions" ADD CONSTRAINT "provisions_version_id_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "response_templates" ADD CONSTRAINT "response_templates_draft_id_drafts_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."drafts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rounds" ADD CONSTRAINT "rounds_draft_id_drafts_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."drafts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sessions" ADD CONSTRAINT "sessions_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "station_deputies" ADD CONSTRAINT "station_deputies_station_id_stations_id_fk" FOREIGN KEY ("station_id") REFERENCES "public"."stations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "station_deputies" ADD CONSTRAINT "station_deputies_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tags" ADD CONSTRAINT "tags_draft_id_drafts_id_fk" FOREIGN KEY ("draft_id") REFERENCES "public"."drafts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "versions" ADD CONSTRAINT "versions_round_id_rounds_id_fk" FOREIGN KEY ("round_id") REFERENCES "public"."rounds"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_object" ON "audit_events" USING btree ("object_type","object_id");--> statement-breakpoint
CREATE UNIQUE INDEX "comment_groups_round_fingerprint" ON "comment_groups" USING btree ("round_id","fingerprint");--> statement-breakpoint
CREATE INDEX "comment_tags_tag" ON "comment_tags" USING btree ("tag_id");--> statement-breakpoint
CREATE INDEX "comments_round_created" ON "comments" USING btree ("round_id","created_at","id");--> statement-breakpoint
CREATE INDEX "comments_round_article" ON "comments" USING btree ("round_id","article_number");--> statement-breakpoint
CREATE INDEX "comments_draft_created" ON "comments" USING btree ("draft_id","created_at","id");--> statement-breakpoint
CREATE INDEX "comments_station" ON "comments" USING btree ("station_id","created_at");--> statement-breakpoint
CREATE INDEX "comments_user" ON "comments" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE INDEX "comments_deputy" ON "comments" USING btree ("deputy_id","created_at");--> statement-breakpoint
CREATE INDEX "comments_group" ON "comments" USING btree ("group_id");--> statement-breakpoint
CREATE INDEX "comments_assignee" ON "comments" USING btree ("assignee_id","created_at");--> statement-breakpoint
CREATE INDEX "comments_bigrams" ON "comments" USING gin ("bigrams");--> statement-breakpoint
CREATE INDEX "jobs_status" ON "jobs" USING btree ("status","created_at");--> statement-breakpoint
CREATE INDEX "provisions_version_seq" ON "provisions" USING btree ("version_id","seq");--> statement-breakpoint
CREATE INDEX "provisions_lineage" ON "provisions" USING btree ("lineage_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rounds_draft_number" ON "rounds" USING btree ("draft_id","number");--> statement-breakpoint
CREATE INDEX "sessions_user" ON "sessions" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "tags_draft_parent_name" ON "tags" USING btree ("draft_id","parent_id","name");