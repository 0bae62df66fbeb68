CREATE TABLE "inbox_counts_version" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	CONSTRAINT "inbox_counts_version_one_row" CHECK ("inbox_counts_version"."id" = 1)
);
