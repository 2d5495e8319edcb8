#!/usr/bin/env bash
# Restore a backup of 勤e家 into a database and an uploads folder:
#
#   deploy/backup/restore.sh DUMP UPLOADS_TAR_GZ TARGET_DATABASE_URL TARGET_UPLOAD_DIR
#
# The target database is created if missing and must be empty (a restore never mixes
# with live data: restore into a new database, then point DATABASE_URL at it). Then
# `python -m server migrate` brings it to this release's schema. Start the app on it
# with any Redis, even an empty one: the booking gates rebuild from the database.
set -euo pipefail

if [ "$#" -ne 4 ]; then
  echo "usage: $0 DUMP UPLOADS_TAR_GZ TARGET_DATABASE_URL TARGET_UPLOAD_DIR" >&2
  exit 2
fi
dump="$1"; uploads="$2"; target="${3/#postgres:\/\//postgresql://}"; upload_dir="$4"
here="$(cd "$(dirname "$0")/../.." && pwd)"
python="${PYTHON:-$here/.venv/bin/python}"

[ -r "$dump" ] || { echo "cannot read $dump" >&2; exit 2; }
[ -r "$uploads" ] || { echo "cannot read $uploads" >&2; exit 2; }

# The database name is the URL's last path element; the server's maintenance database
# (postgres) creates it when missing.
name="${target##*/}"; name="${name%%\?*}"
server="${target%/*}/postgres"
exists="$(psql --dbname="$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'")"
if [ "$exists" != "1" ]; then
  psql --dbname="$server" -qc "CREATE DATABASE \"$name\""
fi
tables="$(psql --dbname="$target" -tAc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")"
if [ "$tables" != "0" ]; then
  echo "$name is not empty ($tables tables): restore into a new database" >&2
  exit 1
fi

pg_restore --no-owner --exit-on-error --single-transaction --dbname="$target" "$dump"
mkdir -p "$upload_dir"
tar -xzf "$uploads" -C "$upload_dir"
DATABASE_URL="$target" UPLOAD_DIR="$upload_dir" "$python" -m server migrate
echo "restored $dump into $name and $uploads into $upload_dir"
