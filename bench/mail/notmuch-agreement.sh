#!/bin/sh
# Threads one generated Maildir with notmuch and with `partnerhub mail thread
# --no-subject` (notmuch never groups by subject) and prints the share of
# messages whose conversation-mates agree.
#
#   bench/mail/notmuch-agreement.sh [MESSAGES]   (default 20000; needs notmuch)
set -eu
n=${1:-20000}
cd "$(dirname "$0")/../.."
work=$(pwd)/bench/data/mail/agree-$n
rm -rf "$work"
mkdir -p "$work"
go run ./bench/mail/gen -n "$n" -out "$work/Maildir"
cat > "$work/notmuch-config" <<CFG
[database]
path=$work/Maildir
[new]
tags=
ignore=
[user]
name=bench
primary_email=bench@example.com
[maildir]
synchronize_flags=false
CFG
export NOTMUCH_CONFIG="$work/notmuch-config"
notmuch --version
notmuch new --quiet
notmuch show --format=json --body=false '*' > "$work/notmuch.json"
go build -o "$work/partnerhub" ./cmd/partnerhub
"$work/partnerhub" mail thread --no-subject "$work/Maildir" > "$work/partnerhub.json"
go run ./bench/mail/agree "$work/partnerhub.json" "$work/notmuch.json"
