#!/bin/sh
# tests/valgrind/run.sh: the CLI and sync paths of ghlterm under
# valgrind --leak-check=full --error-exitcode=1 against ghlterm-sandbox
# (use a plain, non-sanitizer build): sync --all --deep, show, list,
# writes queued offline, outbox replay, export.  TAP; exit 1 on any report.
. "$TESTS_DIR/cli/lib.sh"
command -v valgrind >/dev/null 2>&1 || { echo "1..0 # SKIP no valgrind"; exit 77; }
start_sandbox --contacts 15 --seed 4 --rate-limit 1000000/1000
export GHLTERM_TEST_PAGE_LIMIT=5
VG="valgrind -q --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$T/vg.%p"

vg() {
	GHL_TOKEN=sandbox-token $VG "$GHLTERM" --base-url "$URL" \
		--location "$LOC" --cache "$CACHE" "$@" >"$T/out" 2>"$T/err"
	_st=$?
	[ $_st -eq 0 ] || { echo "# exit $_st: $*"; diag "$T/err"; cat "$T"/vg.* 2>/dev/null | head -30 | sed 's/^/#   /'; }
	rm -f "$T"/vg.*
	return $_st
}

check "valgrind: sync --all --deep" vg sync --all --deep
id=$(first_contact_id)
check "valgrind: show" vg show "$id"
check "valgrind: show --json" vg show --json "$id"
check "valgrind: list" vg list --limit 20
check "valgrind: search list" vg list --json --limit 5
check "valgrind: note add (offline)" vg --offline note add "$id" "vg note"
check "valgrind: task add (offline)" vg --offline task add "$id" --title "vg task" --due 2027-01-02
check "valgrind: tag add (offline)" vg --offline tag add "$id" vg-tag
check "valgrind: outbox replay" vg sync --outbox
check "valgrind: export" vg export --format csv
check "valgrind: sync --all (incremental)" vg sync --all
done_testing
