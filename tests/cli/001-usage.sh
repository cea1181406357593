#!/bin/sh
# 001-usage: --help everywhere, --version, and usage errors: exit status 2
# with exactly one "ghlterm: " line on stderr and nothing on stdout.
. "$TESTS_DIR/cli/lib.sh"

G() { "$GHLTERM" --offline --cache "$CACHE" "$@"; }

"$GHLTERM" --help >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 0 "--help exits 0"
check "--help prints the usage" grep -q '^usage: ghlterm' "$T/out"
check "--help lists every command" sh -c '
	for c in doctor sync list show task tag note contact outbox log usage export; do
		grep -q "^  $c" "$1" || exit 1
	done' sh "$T/out"
is "$("$GHLTERM" --version)" "ghlterm 0.1.0" "--version"

for cmd in doctor sync list show task "task complete" "task reopen" \
    "task add" "task edit" "task delete" tag "tag add" "tag remove" note \
    "note add" "note edit" "note delete" contact "contact add" \
    "contact edit" "contact delete" outbox "outbox retry" "outbox discard" \
    log usage export; do
	# shellcheck disable=SC2086
	G $cmd --help >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^usage: ghlterm \[global options\] $cmd" \
	    "$T/out" && [ ! -s "$T/err" ]; then
		ok 0 "$cmd --help"
	else
		ok 1 "$cmd --help (exit $rc)"
		diag "$T/out"
		diag "$T/err"
	fi
done

# usage_error DESCRIPTION ARGS...: exit 2, one stderr line, empty stdout.
usage_error() {
	_d=$1
	shift
	G "$@" >"$T/out" 2>"$T/err" </dev/null
	_rc=$?
	if [ $_rc -eq 2 ] && [ "$(lines "$T/err")" = 1 ] &&
	    grep -q '^ghlterm: ' "$T/err" && [ ! -s "$T/out" ]; then
		ok 0 "usage error: $_d"
	else
		ok 1 "usage error: $_d (exit $_rc)"
		diag "$T/err"
		diag "$T/out"
	fi
}

usage_error "unknown command" frobnicate
usage_error "unknown global option" --frob list
usage_error "global option without value" --cache
usage_error "-n not a number" -n many
usage_error "--sandbox with --offline" --sandbox list
usage_error "list: unknown option" list --bogus
usage_error "list: stray argument" list extra
usage_error "list: bad --limit" list --limit ten
usage_error "show: no id" show
usage_error "show: two ids" show a b
usage_error "sync: no mode" sync
usage_error "sync: two modes" sync --all --outbox
usage_error "sync: --deep without --all" sync --deep
usage_error "sync: bad --interval" sync --watch --interval soon
usage_error "task: no subcommand" task
usage_error "task: unknown subcommand" task frob
usage_error "task add: no --title" task add C1
usage_error "task add: bad --due" task add C1 --title x --due 12/01/2026
usage_error "task complete: no task id" task complete C1
usage_error "task edit: nothing to change" task edit C1 T1
usage_error "task delete: --title does not apply" task delete C1 T1 --title x
usage_error "tag add: no tag" tag add C1
usage_error "tag: unknown subcommand" tag frob C1 x
usage_error "note add: no text" note add C1
usage_error "note edit: no text" note edit C1 N1
usage_error "note delete: too many" note delete C1 N1 extra
usage_error "contact add: no fields" contact add
usage_error "contact edit: nothing to change" contact edit C1
usage_error "contact edit: bad --dnd" contact edit C1 --dnd maybe
usage_error "contact delete: no id" contact delete
usage_error "outbox: unknown subcommand" outbox frob
usage_error "outbox retry: no id" outbox retry
usage_error "outbox retry: bad id" outbox retry x
usage_error "outbox retry: id and --all" outbox retry 3 --all
usage_error "log: stray argument" log x
usage_error "usage: unknown option" usage --frob
usage_error "export: no --format" export
usage_error "export: bad --format" export --format xml
usage_error "export: bad --since" export --format csv --since yesterday

# A bad config file is a usage error naming FILE:LINE.
printf '[api]\nlocation = L1\nbogus = 1\n' >"$XDG_CONFIG_HOME/ghlterm/config"
G list >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 2 "bad config file: exit 2"
is "$(cat "$T/err")" \
    "ghlterm: $XDG_CONFIG_HOME/ghlterm/config:3: unknown key 'bogus' in [api]" \
    "bad config file: FILE:LINE message"
rm -f "$XDG_CONFIG_HOME/ghlterm/config"

done_testing
