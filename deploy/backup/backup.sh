#!/usr/bin/env bash
# Nightly backup of 勤e家 (run by qinejia-backup.timer, or by hand):
#   - the database with pg_dump in custom format (restore.sh, or pg_restore, reads it);
#   - the uploads (repair photos, attachments) as a tar.gz;
#   - backups older than BACKUP_KEEP_DAYS removed.
# Reads DATABASE_URL and UPLOAD_DIR as the app does (EnvironmentFile=/etc/qinejia/qinejia.env),
# BACKUP_DIR (default /var/backups/qinejia) and BACKUP_KEEP_DAYS (default 14).
# Prints the two files it wrote. Redis is not backed up: everything in it is rebuilt
# from the database.
set -euo pipefail

: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${UPLOAD_DIR:?UPLOAD_DIR is not set}"
BACKUP_DIR="${BACKUP_DIR:-/var/backups/qinejia}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
url="${DATABASE_URL/#postgres:\/\//postgresql://}"

mkdir -p "$BACKUP_DIR"
umask 077
dump="$BACKUP_DIR/qinejia-db-$stamp.dump"
uploads="$BACKUP_DIR/qinejia-uploads-$stamp.tar.gz"

# Written under a temporary name and renamed when complete: a file with the final name
# is always a whole backup.
pg_dump --format=custom --compress=6 --no-owner --file="$dump.part" --dbname="$url"
mv "$dump.part" "$dump"
mkdir -p "$UPLOAD_DIR"
tar -czf "$uploads.part" -C "$UPLOAD_DIR" .
mv "$uploads.part" "$uploads"

find "$BACKUP_DIR" -maxdepth 1 -type f -name 'qinejia-*' -mtime "+$BACKUP_KEEP_DAYS" -print -delete \
  | sed 's/^/removed /'
echo "$dump"
echo "$uploads"
