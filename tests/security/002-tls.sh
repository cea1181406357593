#!/bin/sh
# tests/security/002-tls.sh: TLS peer and host verification for a
# non-loopback server cannot be avoided.  openssl makes a throwaway CA and
# certificates and serves each with `openssl s_server -www` on a
# non-loopback address of this machine.  ghlterm refuses a self-signed
# certificate and one from an unknown CA with one line naming the host and
# the problem, tries at most a few times and writes nothing to the cache;
# no flag, config key or environment variable makes it accept one.  With
# the test CA trusted (tls_get: the same transport, ca_file), a
# certificate for another host name is refused and the right one accepted.
# Plain http goes to loopback only (the sandbox), never to $ADDR.
. "$TESTS_DIR/cli/lib.sh"

if ! command -v openssl >/dev/null 2>&1; then
	echo "1..0 # SKIP openssl (the command) not installed"
	exit 77
fi
TLS_GET="$(dirname "$GHLTERM")/tests/security/tls_get"
if [ ! -x "$TLS_GET" ]; then
	echo "1..0 # SKIP tests/security/tls_get not built"
	exit 77
fi
# A non-loopback IPv4 address of this machine.
ADDR=$( (hostname -I 2>/dev/null | tr ' ' '\n';
	ip -4 -o addr show scope global 2>/dev/null |
	awk '{ sub("/.*", "", $4); print $4 }') |
	grep -E '^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$' | grep -v '^127\.' |
	head -n 1)
if [ -z "$ADDR" ]; then
	echo "1..0 # SKIP this machine has no non-loopback IPv4 address" \
		"(hostname -I, ip -4 addr): nothing to serve TLS on"
	exit 77
fi
echo "# serving on $ADDR"

S_PID=
stop_server() {
	if [ -n "$S_PID" ]; then
		kill "$S_PID" 2>/dev/null
		wait "$S_PID" 2>/dev/null
		S_PID=
	fi
}
trap 'stop_server; cleanup' EXIT

# --- a throwaway PKI ---
P=$T/pki
mkdir -p "$P"
EC="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
mkpki() {
	openssl req -x509 $EC -keyout "$P/ca.key" -out "$P/ca.pem" -days 2 \
		-subj "/CN=ghlterm test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" || return 1
	# Self-signed, for the right address.
	openssl req -x509 $EC -keyout "$P/self.key" -out "$P/self.pem" \
		-days 2 -subj "/CN=$ADDR" -addext "subjectAltName=IP:$ADDR" ||
		return 1
	# Signed by the CA: one for our address, one for another name.
	for _n in good wrong; do
		if [ $_n = good ]; then _san="IP:$ADDR"; else
			_san="DNS:wrong.invalid,IP:192.0.2.254"; fi
		printf '%s\n' "basicConstraints=CA:FALSE" \
			"extendedKeyUsage=serverAuth" \
			"subjectAltName=$_san" >"$P/$_n.ext"
		openssl req -new $EC -keyout "$P/$_n.key" -out "$P/$_n.csr" \
			-subj "/CN=$_n" || return 1
		openssl x509 -req -in "$P/$_n.csr" -CA "$P/ca.pem" \
			-CAkey "$P/ca.key" -CAcreateserial -days 2 \
			-extfile "$P/$_n.ext" -out "$P/$_n.pem" || return 1
	done
}
if ! mkpki >"$T/pki.log" 2>&1; then
	echo "Bail out! openssl could not make the test certificates"
	diag "$T/pki.log"
	exit 1
fi

# serve NAME: s_server with NAME.pem on $ADDR, a free port; sets SURL.
serve() {
	stop_server
	openssl s_server -accept "$ADDR:0" -cert "$P/$1.pem" \
		-key "$P/$1.key" -www -state >"$T/s.out" 2>"$T/s.err" &
	S_PID=$!
	_port=
	_i=0
	while [ $_i -lt 500 ]; do	# 10 s deadline
		_port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$T/s.out")
		[ -n "$_port" ] && break
		kill -0 "$S_PID" 2>/dev/null || break
		sleep 0.02
		_i=$((_i + 1))
	done
	if [ -z "$_port" ]; then
		echo "Bail out! openssl s_server did not start on $ADDR"
		diag "$T/s.err"
		exit 1
	fi
	SURL="https://$ADDR:$_port"
	SHOST="$ADDR:$_port"
}

# hellos: TLS handshakes begun so far; finished: handshakes completed.
hellos() {
	grep -c 'read client hello' "$T/s.err"
}
finished() {
	grep -c 'SSL_accept:SSLv3/TLS read finished' "$T/s.err"
}

# gt ARGS...: ghlterm against the TLS server with its own cache.  Short
# timeouts and a deadline: s_server -www never answers a POST, so if a
# handshake ever passed, the run would otherwise wait out the defaults.
printf '%s\n' "[sync]" "connect_timeout = 3s" "timeout = 4s" >"$T/base.conf"
gt() {
	GHLTERM_CONFIG=${GHLTERM_CONFIG:-$T/base.conf} GHL_TOKEN=tls-test-token \
		timeout -k 2 40 "$GHLTERM" --base-url "$SURL" \
		--location "$LOC" --cache "$CACHE" "$@"
}

# empty_cache: no contact and no outbox entry was written.
empty_cache() {
	_l=$(gt --offline list --json 2>&1)
	_o=$(gt --offline outbox --json 2>&1)
	[ "$_l" = "[]" ] && [ "$_o" = "[]" ] ||
		{ echo "# list: $_l"; echo "# outbox: $_o"; return 1; }
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# (a) Self-signed: refused, one line naming the host and the problem.
serve self
t0=$(now_ms)
gt sync --all >"$T/out" 2>"$T/err"
st=$?
t1=$(now_ms)
is "$st" 1 "self-signed: sync --all exits 1 (network error)"
r=0
one_line() {
	[ "$(lines "$1")" = 1 ] && grep -q '^ghlterm: ' "$1" ||
		{ echo "# expected one error line:"; diag "$1"; return 1; }
}
one_line "$T/err" || r=1
grep -q "POST /contacts/search: TLS certificate refused for $SHOST: .*self-signed certificate" \
	"$T/err" || r=1
ok $r "self-signed: one line naming request, host and problem: $(cat "$T/err")"
n=$(hellos)
[ "$n" -ge 1 ] && [ "$n" -le 5 ]
ok $? "self-signed: no retry storm ($n handshakes in $((t1 - t0)) ms)"
is "$(finished)" 0 "self-signed: no handshake completed"
check "self-signed: nothing written to the cache" empty_cache

# The contact bundle (four parallel GETs) fails the same way.
gt sync Zp4mTlsTest0000000001 >"$T/out" 2>"$T/err"
st=$?
r=0
[ "$st" = 1 ] || r=1
one_line "$T/err" || r=1
grep -q "GET /contacts/Zp4mTlsTest0000000001[a-z/]*: TLS certificate refused for $SHOST" \
	"$T/err" || r=1
ok $r "self-signed: sync CONTACT_ID exits 1 naming the host: $(cat "$T/err")"

# (c) Nothing turns verification off.  In the code: every
# CURLOPT_SSL_VERIFYPEER/VERIFYHOST sets 1/2, and nothing weakens TLS.
SRC="$TESTS_DIR/.."
grep -rn 'SSL_VERIFYPEER\|SSL_VERIFYHOST' "$SRC/src" "$SRC/ui" \
	>"$T/grep" 2>/dev/null
r=0
[ "$(grep -c 'CURLOPT_SSL_VERIFYPEER, 1L)' "$T/grep")" -ge 1 ] || r=1
[ "$(grep -c 'CURLOPT_SSL_VERIFYHOST, 2L)' "$T/grep")" -ge 1 ] || r=1
grep -v 'CURLOPT_SSL_VERIFYPEER, 1L)\|CURLOPT_SSL_VERIFYHOST, 2L)' \
	"$T/grep" | grep . && r=1
grep -rn 'CURLOPT_PROXY_SSL_VERIFY\|CURLOPT_SSL_OPTIONS\|CURLOPT_PINNEDPUBLICKEY\|CURLOPT_CAPATH\|CURLOPT_SSL_CTX_FUNCTION\|SSL_CTX_set_verify' \
	"$SRC/src" "$SRC/ui" --include='*.c' | grep -v '^[^:]*/sandbox' && r=1
ok $r "code: verification set on (VERIFYPEER 1, VERIFYHOST 2), nowhere off"
grep -il 'insecure\|no-verify\|noverify\|skip.verif' "$SRC"/man/*.in &&
	r=1 || r=0
ok $r "man pages document no option to skip verification"

# refused FILE: the run did not get past the TLS handshake.
refused() {
	grep -q "TLS certificate refused for $SHOST" "$1" ||
		grep -q "unknown option\|unknown key\|unknown section" "$1" ||
		{ diag "$1"; return 1; }
	! grep -q 'JSON\|HTML\| 200' "$1" || { diag "$1"; return 1; }
}

base=$(finished)
for flag in --insecure -k --no-verify --tls-verify=no; do
	gt $flag sync --all >"$T/out" 2>"$T/err"
	st=$?
	r=0
	[ "$st" -ne 0 ] || r=1
	refused "$T/err" || r=1
	ok $r "flag $flag: refused (exit $st: $(head -c 80 "$T/err"))"
done
for key in "[api]
insecure = 1" "[api]
verify = false" "[api]
ssl_verify = 0" "[sync]
insecure = yes" "[tls]
verify = off"; do
	{ cat "$T/base.conf"; printf '%s\n' "$key"; } >"$T/knob.conf"
	GHLTERM_CONFIG="$T/knob.conf" gt sync --all >"$T/out" 2>"$T/err"
	st=$?
	r=0
	[ "$st" -ne 0 ] || r=1
	refused "$T/err" || r=1
	ok $r "config '$(echo $key)': refused (exit $st: $(head -c 80 "$T/err"))"
done
# Every variable that turns verification off (or picks the CA) somewhere,
# all at once, and a ~/.curlrc that says insecure: still refused.
mkdir -p "$T/home2"
echo insecure >"$T/home2/.curlrc"
HOME="$T/home2" GHLTERM_INSECURE=1 GHL_INSECURE=1 GHL_TLS_VERIFY=0 \
	GHLTERM_TLS_VERIFY=0 CURL_INSECURE=1 CURLOPT_SSL_VERIFYPEER=0 \
	CURLOPT_SSL_VERIFYHOST=0 CURL_SSL_VERIFY=0 GIT_SSL_NO_VERIFY=1 \
	PYTHONHTTPSVERIFY=0 NODE_TLS_REJECT_UNAUTHORIZED=0 \
	SSL_CERT_FILE="$P/self.pem" SSL_CERT_DIR="$P" \
	CURL_CA_BUNDLE="$P/self.pem" REQUESTS_CA_BUNDLE="$P/self.pem" \
	GHLTERM_CA_FILE="$P/self.pem" GHL_CA_FILE="$P/self.pem" \
	gt sync --all >"$T/out" 2>"$T/err"
st=$?
r=0
[ "$st" -eq 1 ] || r=1
refused "$T/err" || r=1
ok $r "environment (insecure and CA variables, ~/.curlrc): refused"
is "$(finished)" "$base" "no knob completed a handshake"
check "after every knob: nothing written to the cache" empty_cache

# (b) A certificate from the test CA for another host name.  ghlterm
# trusts only the system's CAs (CA variables set to the test CA or not).
serve wrong
SSL_CERT_FILE="$P/ca.pem" CURL_CA_BUNDLE="$P/ca.pem" SSL_CERT_DIR="$P" \
	gt sync --all >"$T/out" 2>"$T/err"
st=$?
r=0
[ "$st" = 1 ] || r=1
one_line "$T/err" || r=1
refused "$T/err" || r=1
ok $r "wrong host, test CA in CA variables: refused: $(cat "$T/err")"
"$TLS_GET" "$SURL/contacts/" "$P/ca.pem" >"$T/get" 2>&1
st=$?
r=0
[ "$st" = 1 ] || r=1
grep -q "^error network no_retry=1: GET /contacts/: TLS certificate refused for $SHOST: .*host name" \
	"$T/get" || r=1
ok $r "wrong host, test CA trusted: host name check refuses: $(cat "$T/get")"

# Plain http to a non-loopback address would carry the token in the
# clear: refused before connecting (the sandbox sees no request).
start_sandbox --contacts 3 --seed 1
_c=$CACHE
CACHE=$T/loopback.db
GHLTERM_CONFIG=$T/base.conf g sync --all >"$T/out" 2>"$T/err"
ok $? "plain http to the sandbox on loopback works ($URL)"
CACHE=$_c
stop_sandbox
"$GHLTERM_SANDBOX" --listen "$ADDR:0" --contacts 3 --seed 1 \
	>"$T/sandbox.out" 2>"$T/sandbox.err" &
SB_PID=$!
URL=
_i=0
while [ $_i -lt 500 ] && [ -z "$URL" ]; do
	URL=$(grep -m 1 '^http://' "$T/sandbox.out")
	sleep 0.02
	_i=$((_i + 1))
done
case $URL in
http://"$ADDR":*)
	GHLTERM_CONFIG=$T/base.conf GHL_TOKEN=sandbox-token timeout -k 2 40 \
		"$GHLTERM" --base-url "$URL" --location "$LOC" \
		--cache "$CACHE" sync --all >"$T/out" 2>"$T/err"
	st=$?
	r=0
	[ "$st" = 1 ] || r=1
	one_line "$T/err" || r=1
	grep -q "POST /contacts/search: refusing plain http to ${URL#http://} ($ADDR is not loopback)" \
		"$T/err" || r=1
	ok $r "plain http to $ADDR: refused, one line: $(cat "$T/err")"
	is "$(route_count 'POST /contacts/search')" 0 \
		"plain http to $ADDR: no request reached the server"
	check "plain http to $ADDR: nothing written to the cache" empty_cache
	;;
*)
	ok 1 "ghlterm-sandbox --listen $ADDR:0 did not start"
	diag "$T/sandbox.err"
	;;
esac
stop_sandbox

# (d) The right certificate from the trusted test CA is accepted: the
# handshake completes and s_server's status page (HTTP 200) comes back.
serve good
"$TLS_GET" "$SURL/contacts/" "$P/ca.pem" >"$T/get" 2>&1
st=$?
r=0
[ "$st" = 0 ] || r=1
grep -q '^status 200$' "$T/get" || r=1
ok $r "right host, test CA trusted: handshake passes, HTTP 200 ($(cat "$T/get"))"
[ "$(finished)" -ge 1 ]
ok $? "right host: s_server saw a completed handshake"
"$TLS_GET" "$SURL/contacts/" "$P/self.pem" >"$T/get" 2>&1
grep -q "^error network no_retry=1: GET /contacts/: TLS certificate refused for $SHOST" \
	"$T/get"
ok $? "right host, another CA trusted: refused ($(cat "$T/get"))"

stop_server
done_testing
