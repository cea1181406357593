#!/bin/sh
# tests/fuzz/run.sh BUILDDIR SRCDIR: run every libFuzzer target of a build
# configured with --enable-fuzzing CC=clang for FUZZ_SECONDS (default 60)
# each, seeded from tests/data/api and small hand-made seeds.  Prints one
# line per target (executions, findings); exit 1 when a target crashed
# (its reproducer is left in BUILDDIR/fuzz-findings/TARGET/).
set -u
B=${1:-.}
S=${2:-$(dirname "$0")/../..}
SECS=${FUZZ_SECONDS:-60}
W=$(mktemp -d "${TMPDIR:-/tmp}/ghlfuzz.XXXXXX")
trap 'rm -rf "$W"' EXIT
API=$S/tests/data/api
rc=0

seeds() {
	d=$W/corpus-$1
	mkdir -p "$d"
	case $1 in
	fuzz_codec|fuzz_webhook)
		find "$API" -name '*.json' -exec cp {} "$d/" \; 2>/dev/null
		# Distinct names: examples share base names across folders.
		i=0
		for f in "$API"/*/*.json; do
			i=$((i + 1)); cp "$f" "$d/sub$i.json"
		done ;;
	fuzz_ratelimit)
		printf 'X-RateLimit-Remaining: 3\r\nX-RateLimit-Max: 100\r\nX-RateLimit-Interval-Milliseconds: 10000\r\nRetry-After: 2\r\n' >"$d/a"
		printf 'retry-after: Wed, 21 Oct 2015 07:28:00 GMT\r\nX-RateLimit-Daily-Remaining: 0\r\n' >"$d/b" ;;
	fuzz_termsafe)
		printf 'plain \033]0;title\007 \033]52;c;SGVsbG8=\007 \033[2J \033[10;10H \342\200\256 \302\233 x\n' >"$d/a"
		printf 'wide \344\275\240\345\245\275 \360\237\230\200 combining e\314\201\n' >"$d/b" ;;
	fuzz_conf)
		printf '[api]\nlocation = L1\nbase_url = https://x\ntoken_file = /t\n[ui]\ntheme = dark\n[keys]\nq = quit\n' >"$d/a"
		printf '[autotag]\nrule = tag:vip if email ~ @x.com\n' >"$d/b" ;;
	fuzz_keymap)
		printf 'j down\nk up\nC-x quit\nM-a help\nF5 sync\n' >"$d/a" ;;
	fuzz_fts_query)
		printf 'alice "bob smith" tag:vip -x' >"$d/a"
		printf 'e@x.com OR "' >"$d/b" ;;
	esac
}

for p in "$B"/tests/fuzz/fuzz_*; do
	[ -x "$p" ] || continue
	t=$(basename "$p")
	seeds "$t"
	out=$B/fuzz-findings/$t
	mkdir -p "$out"
	"$p" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=10 \
		-artifact_prefix="$out/" -print_final_stats=1 \
		"$W/corpus-$t" >"$W/$t.log" 2>&1
	st=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/$t.log")
	cov=$(grep -o 'cov: [0-9]*' "$W/$t.log" | tail -1)
	n=$(ls "$out" | wc -l)
	echo "$t: ${execs:-?} executions in ${SECS}s, $cov, exit $st, findings $n"
	if [ $st -ne 0 ] || [ "$n" -ne 0 ]; then
		grep -m 5 'ERROR\|SUMMARY' "$W/$t.log"
		rc=1
	fi
done
exit $rc
