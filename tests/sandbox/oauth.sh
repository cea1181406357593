#!/bin/sh
# oauth.sh: runs oauth.py (its header says what it covers) with $PYTHON3.
if [ -z "$PYTHON3" ] || ! "$PYTHON3" -c 'import jsonschema' 2>/dev/null; then
	echo "1..0 # SKIP python3 with jsonschema not found"
	exit 77
fi
exec "$PYTHON3" "$TESTS_DIR/sandbox/oauth.py"
