#!/usr/bin/env bash
# Time every page of `mentorflow serve` on generated registrations, and the
# server's memory. Usage: scripts/web-timing.sh [N] (N mentees + N mentors,
# default 1000). Needs curl; builds nothing: run `cargo build --release` first.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
bin=target/release/mentorflow
work=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$bin" generate --mentees "$n" --mentors "$n" --seed 1 --out "$work/data" >/dev/null
"$bin" serve --no-open >"$work/serve.out" 2>&1 &
server=$!
for _ in $(seq 100); do [ -s "$work/serve.out" ] && break; sleep 0.05; done
url=$(head -1 "$work/serve.out")
base=${url%%/?token=*}
jar="$work/cookies"
curl -s -c "$jar" -o /dev/null "$url"
ms() { awk '{printf "%7.1f ms", $1 * 1000}'; }
get() { printf '%-34s' "GET $1"; curl -s -b "$jar" -o /dev/null -w '%{time_total}' "$base$1" | ms; echo; }
post() {
  local path=$1; shift; printf '%-34s' "POST $path"
  curl -s -b "$jar" -o /dev/null -w '%{time_total} %{redirect_url}\n' -H "Origin: $base" "$@" "$base$path" |
    awk '{printf "%7.1f ms  -> %s\n", $1 * 1000, $2}'
}
echo "$n mentees + $n mentors"
post /upload -F "mentors=@$work/data/mentors.csv" -F "mentees=@$work/data/mentees.csv"
get /check
get /model
get /match
# Press Match and follow the progress page (it answers once the match ends, or
# after half a second with a page that reloads itself) to the result page.
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
# Match to the result page: the post, the progress page, the result and the report it shows.
start=$(date +%s.%N)
match_now
curl -s -b "$jar" -o /dev/null "$base/files/report.html"
end=$(date +%s.%N)
printf '%-34s%7.1f ms\n' "Match to result (post+page+report)" "$(echo "($end - $start) * 1000" | bc)"
get /result
get /files/report.html
get /review
get "/review?q=$(sed -n 2p "$work/data/mentees.csv" | cut -d, -f1)"
sleep 1 # the explanation's matching is computed in the background after Match
get /review/mentee/0
get /review/mentor/0
get /download
get /download/mentorflow-outputs.zip
get /whatif
post /whatif -d parameter1=mentor-capacity -d values1=2..4 -d repeat=1
post /review/adjustments -d action=ban -d "mentee_email=$(sed -n 2p "$work/data/mentees.csv" | cut -d, -f3)" -d "mentor_email=$(tail -1 "$work/data/mentors.csv" | cut -d, -f3)"
start=$(date +%s.%N)
match_now
end=$(date +%s.%N)
printf '%-34s%7.1f ms\n' "re-match after one ban, to result" "$(echo "($end - $start) * 1000" | bc)"
echo "server memory: $(grep -E 'VmHWM|VmRSS' /proc/$server/status | tr -s ' \t' ' ' | tr '\n' ' ')"
