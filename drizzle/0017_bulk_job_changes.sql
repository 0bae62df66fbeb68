CREATE TABLE "bulk_job_changes" (
	"job_id" uuid NOT NULL,
	"comment_id" uuid NOT NULL,
	"before" jsonb NOT NULL,
	"after" jsonb,
	CONSTRAINT "bulk_job_changes_job_id_comment_id_pk" PRIMARY KEY("job_id","comment_id")
);
--> statement-breakpoint
ALTER TABLE "bulk_job_changes" ADD CONSTRAINT "bulk_job_changes_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE no action ON UPDATE no action;