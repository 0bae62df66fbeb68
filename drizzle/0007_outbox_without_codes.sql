ALTER TABLE "outbox" ALTER COLUMN "body" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "kind" text DEFAULT 'message' NOT NULL;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "delivery" text DEFAULT 'console' NOT NULL;--> statement-breakpoint
-- Codes were kept in the outbox for staff to pass on by hand: nobody but the recipient may see one.
UPDATE "outbox" SET "body" = NULL, "delivery" = 'manual', "kind" = CASE WHEN "subject" LIKE '%重设密码%' THEN 'reset' ELSE 'verify' END;
