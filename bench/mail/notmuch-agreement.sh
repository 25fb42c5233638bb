#!/bin/sh
# Threads generated Maildirs with notmuch and with `partnerhub mail thread`,
# with and without subject grouping (notmuch never groups by subject), and
# prints the share of messages whose conversation-mates agree. Two corpora:
# partner mail (mailbench.Generate) and a mailing-list archive
# (mailbench.GenerateList: every message to the list, common subjects).
#
#   bench/mail/notmuch-agreement.sh [MESSAGES]   (default 20000; needs notmuch)
set -eu
n=${1:-20000}
cd "$(dirname "$0")/../.."
base=$(pwd)/bench/data/mail
mkdir -p "$base"
go build -o "$base/partnerhub" ./cmd/partnerhub
notmuch --version
for corpus in partner list; do
	work=$base/agree-$corpus-$n
	rm -rf "$work"
	mkdir -p "$work"
	flag=
	[ "$corpus" = list ] && flag=-list
	go run ./bench/mail/gen $flag -n "$n" -out "$work/Maildir"
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
	NOTMUCH_CONFIG="$work/notmuch-config" notmuch new --quiet
	NOTMUCH_CONFIG="$work/notmuch-config" notmuch show --format=json --body=false '*' > "$work/notmuch.json"
	for mode in no-subject subject; do
		opt=
		[ "$mode" = no-subject ] && opt=--no-subject
		"$base/partnerhub" mail thread $opt "$work/Maildir" > "$work/partnerhub-$mode.json"
		echo "--- $corpus corpus, $n messages, partnerhub ${opt:-(subject grouping, the default)}"
		go run ./bench/mail/agree "$work/partnerhub-$mode.json" "$work/notmuch.json"
	done
done
