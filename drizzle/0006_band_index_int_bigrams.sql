-- Near-duplicate band index as a table of one representative per (round, band key), instead of a
-- GIN over every comment's band keys (review/grouping.ts); bigrams stored as 32-bit keys
-- (comments/text-features.ts bigramKey) instead of two-character strings; two b-tree indexes that
-- were prefixes of others dropped; grouping's exact lookup ordered by the index. docs/decisions/010-write-path-indexes.md.
CREATE TABLE "lsh_buckets" (
	"round_id" uuid NOT NULL,
	"band_key" integer NOT NULL,
	"comment_id" uuid NOT NULL,
	CONSTRAINT "lsh_buckets_round_id_band_key_pk" PRIMARY KEY("round_id","band_key")
);
--> statement-breakpoint
INSERT INTO "lsh_buckets" ("round_id", "band_key", "comment_id")
SELECT c.round_id, b.band_key, c.id
FROM (SELECT id, round_id, lsh_bands, created_at FROM "comments" WHERE lsh_bands IS NOT NULL ORDER BY created_at, id) c
CROSS JOIN LATERAL unnest(c.lsh_bands) AS b(band_key)
ORDER BY c.created_at, c.id
ON CONFLICT DO NOTHING;--> statement-breakpoint
DROP INDEX "comments_round_article";--> statement-breakpoint
DROP INDEX "comments_round_fingerprint";--> statement-breakpoint
CREATE INDEX "comments_round_fingerprint" ON "comments" USING btree ("round_id","fingerprint","created_at","id");--> statement-breakpoint
DROP INDEX "comments_group";--> statement-breakpoint
DROP INDEX "comments_lsh_bands";--> statement-breakpoint
DROP INDEX "comments_bigrams";--> statement-breakpoint
-- The key of a bigram: both code points in the BMP give (a << 16 | b) exactly; otherwise a hash.
-- Read as a signed 32-bit integer. Must agree with bigramKey in text-features.ts.
CREATE FUNCTION kaimen_bigram_keys(grams text[]) RETURNS integer[] LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg((CASE WHEN v >= 2147483648 THEN v - 4294967296 ELSE v END)::integer ORDER BY n), '{}')
  FROM (
    SELECT n, CASE WHEN a <= 65535 AND b <= 65535 THEN a * 65536 + b ELSE (a * 65599 + b) % 4294967296 END AS v
    FROM (SELECT n, ascii(substr(g, 1, 1))::bigint AS a, ascii(substr(g, 2, 1))::bigint AS b
          FROM unnest(grams) WITH ORDINALITY AS u(g, n)) x
  ) y
$$;--> statement-breakpoint
ALTER TABLE "comments" ALTER COLUMN "bigrams" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "comments" ALTER COLUMN "bigrams" SET DATA TYPE integer[] USING kaimen_bigram_keys("bigrams");--> statement-breakpoint
ALTER TABLE "comments" ALTER COLUMN "bigrams" SET DEFAULT '{}'::int[];--> statement-breakpoint
DROP FUNCTION kaimen_bigram_keys(text[]);--> statement-breakpoint
CREATE INDEX "comments_bigrams" ON "comments" USING gin ("bigrams");--> statement-breakpoint
ALTER TABLE "comments" DROP COLUMN "lsh_bands";
--> statement-breakpoint
-- Rate-limit counters need no crash safety (a crash resets the windows) and must not cost a WAL
-- flush on every write request: a transaction that writes only unlogged tables commits without one.
ALTER TABLE "rate_limits" SET UNLOGGED;
