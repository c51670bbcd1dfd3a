#!/bin/sh
# Creates the secret files docker-compose.yml reads (deploy/secrets/, kept out of git and of the
# image's build context). Existing files are kept, so running it again changes nothing.
set -eu
dir=$(dirname "$0")/secrets
# the folder is the owner's alone; the files are world-readable inside it, because Compose mounts
# them into the containers as they are, where the hub runs as uid 1000 (node), not as their owner
mkdir -p "$dir"
chmod 700 "$dir"
umask 022
random() { head -c "$1" /dev/urandom | base64 | tr -d '\n/+=' | head -c "$2"; }
put() { [ -s "$dir/$1" ] || printf '%s' "$2" > "$dir/$1"; }

put redis_password "$(random 48 40)"
put postgres_password "$(random 48 40)"
put redis_url "redis://:$(cat "$dir/redis_password")@redis:6379"
put database_url "postgres://weiche:$(cat "$dir/postgres_password")@postgres:5432/weiche"
put master_key "$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
put admin_token "$(random 64 48)"
put metrics_token "$(random 48 40)"
put portal_secret "$(random 48 40)"
echo "secrets in $dir: $(ls "$dir" | tr '\n' ' ')"
