#!/bin/sh
# Runs the given command (node …) in place of this shell, after reading the connection URLs that
# carry passwords from files (Docker/Compose secrets): REDIS_URL_FILE → REDIS_URL, DATABASE_URL_FILE
# → DATABASE_URL. Secrets in the config file use `{ file: … }` instead. tini (PID 1) passes SIGTERM
# straight to node, since `exec` leaves no shell in between.
set -eu
if [ -n "${REDIS_URL_FILE:-}" ]; then
  REDIS_URL=$(cat "$REDIS_URL_FILE")
  export REDIS_URL
fi
if [ -n "${DATABASE_URL_FILE:-}" ]; then
  DATABASE_URL=$(cat "$DATABASE_URL_FILE")
  export DATABASE_URL
fi
exec "$@"
