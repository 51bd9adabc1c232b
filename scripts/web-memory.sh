#!/usr/bin/env bash
# The memory of `mentorflow serve` while an organiser goes through every step
# on generated registrations: the server runs under /usr/bin/time -v and is
# driven by curl (upload, check, match, result and report, a search, an
# explanation, the ZIP, a what-if, a withdrawal and a re-match). Prints the
# peak resident memory. Usage: scripts/web-memory.sh [N] (N mentees + N
# mentors, default 10000). Needs curl and GNU time; builds nothing: run
# `cargo build --release` first.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
bin=target/release/mentorflow
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$bin" generate --mentees "$n" --mentors "$n" --seed 1 --out "$work/data" >/dev/null
/usr/bin/time -v -o "$work/time.txt" "$bin" serve --no-open >"$work/serve.out" 2>&1 &
server=$!
for _ in $(seq 200); do [ -s "$work/serve.out" ] && break; sleep 0.05; done
url=$(head -1 "$work/serve.out")
base=${url%%/?token=*}
jar="$work/cookies"
curl -s -c "$jar" -o /dev/null "$url"
step() { printf '%-40s' "$1"; shift; local t0; t0=$(date +%s.%N); "$@" >/dev/null; echo "$(echo "($(date +%s.%N) - $t0) * 1000" | bc | cut -d. -f1) ms"; }
get() { curl -s -b "$jar" -o /dev/null "$base$1"; }
post() { local path=$1; shift; curl -s -b "$jar" -o /dev/null -H "Origin: $base" "$@" "$base$path"; }
match_now() {
  local at
  at=$(curl -s -b "$jar" -o /dev/null -L -w '%{http_code} %{url_effective}' -H "Origin: $base" --data '' "$base/match")
  # The progress page answers 200 while the match runs, and redirects to the
  # result once it is done; anything else is an error, shown and stopped on.
  while [ "${at#200 }" != "$at" ] && [ "${at%/match/progress}" != "$at" ]; do
    at=$(curl -s -b "$jar" -o /dev/null -L -w '%{http_code} %{url_effective}' "$base/match/progress")
  done
  [ "${at%/result}" != "$at" ] || { echo "the match did not end at the result page: $at" >&2; return 1; }
}
mentee=$(sed -n 2p "$work/data/mentees.csv" | cut -d, -f3)
mentor=$(sed -n 2p "$work/data/mentors.csv" | cut -d, -f3)
echo "$n mentees + $n mentors"
step "upload and check" post /upload -F "mentors=@$work/data/mentors.csv" -F "mentees=@$work/data/mentees.csv"
step "check page" get /check
step "match to the result page" match_now
step "report" get /files/report.html
step "search" get "/review?q=${mentee%@*}"
step "first explanation (waits for its solve)" get /review/mentee/0
step "ZIP" get /download/mentorflow-outputs.zip
step "what-if (2 scenarios)" post /whatif -d parameter1=mentor-capacity -d values1=2..3 -d repeat=1
step "mark as sent" post /sent -X POST
step "withdraw a mentor" post /review/withdraw -d "email=$mentor"
step "re-match keeping the sent pairs" match_now
echo "server now: $(grep -E 'VmHWM|VmRSS' /proc/$(pgrep -P "$server" mentorflow || echo "$server")/status 2>/dev/null | tr -s ' \t' ' ' | tr '\n' ' ')"
kill -TERM "$(pgrep -P "$server" mentorflow)" 2>/dev/null || true
wait "$server" 2>/dev/null || true
server=""
grep -E "Maximum resident set size|Elapsed \(wall clock\)|User time|System time" "$work/time.txt"
