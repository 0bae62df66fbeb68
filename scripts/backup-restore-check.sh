#!/usr/bin/env bash
# Dumps the database of DATABASE_URL, restores it into a scratch database, and compares the row
# counts of every table. Exits non-zero if anything differs.
set -euo pipefail
: "${DATABASE_URL:?set DATABASE_URL to the database to check}"
scratch="kaimen_restore_check_$$"
dump="$(mktemp -d)/kaimen.dump"
base="${DATABASE_URL%/*}"
counts() {
  psql "$1" -Atc "select table_name from information_schema.tables where table_schema='public' and table_type='BASE TABLE' order by 1" |
    while read -r t; do printf '%s %s\n' "$t" "$(psql "$1" -Atc "select count(*) from \"$t\"")"; done
}
echo "dumping…"
pg_dump --format=custom --no-owner --file="$dump" "$DATABASE_URL"
psql "$base/postgres" -qc "drop database if exists $scratch" -c "create database $scratch"
trap 'psql "$base/postgres" -qc "drop database if exists $scratch with (force)" >/dev/null 2>&1; rm -f "$dump"' EXIT
echo "restoring into $scratch…"
pg_restore --no-owner --exit-on-error --dbname="$base/$scratch" "$dump"
a="$(counts "$DATABASE_URL")"; b="$(counts "$base/$scratch")"
if [ "$a" != "$b" ]; then
  echo "row counts differ:"; diff <(echo "$a") <(echo "$b") || true; exit 1
fi
echo "$a" | awk '{ n += $2 } END { printf "restore check passed: %d tables, %d rows identical\n", NR, n }'
