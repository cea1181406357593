#!/bin/sh
# tests/lint/layering.sh: the architecture rules that a grep can check
# (STYLE §0, §4): curses only in ui/ (and src/main.c), libcurl never in
# ui/, cJSON only in the codec module (and the sandboxes, separate
# programs), SQL only in the cache module, no banned functions anywhere.
set -u
top=${TESTS_DIR:-$(dirname "$0")/..}/..
cd "$top" || exit 1
n=0
fail=0
t() {	# t DESCRIPTION OFFENDING-LINES
	n=$((n + 1))
	if [ -z "$2" ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		printf '%s\n' "$2" | sed 's/^/#   /' | head -20
		fail=1
	fi
}

core=$(ls src/*.c src/*.h)
t "no curses in src/ (main.c excepted)" \
	"$(grep -lE '#include <(n?curses|ncursesw/curses)\.h>' $core | grep -v '^src/main\.c$')"
t "no libcurl in ui/" "$(grep -l '#include <curl/' ui/*.c ui/*.h 2>/dev/null)"
t "cJSON only in the codec module" \
	"$(grep -l 'cjson/cJSON.h' $core | grep -vE '^src/codec(_sm)?\.c$')"
t "SQL only in the cache module" \
	"$(grep -lE '#include <sqlite3\.h>' $core ui/*.c | grep -vE '^src/cache[a-z_]*\.[ch]$')"
t "no banned functions (sprintf strcpy strcat strtok atoi gets system)" \
	"$(grep -nE '(^|[^a-z_.>])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|gets|system) *\(' \
		src/*.c src/*/*.c ui/*.c | grep -vE '(snprintf|vsnprintf|xasprintf|/\*|^\s*\*)' )"
t "no VLAs and no synchronous=OFF" \
	"$(grep -nE 'synchronous *= *OFF' src/*.c)"
echo "1..$n"
exit $fail
