#!/bin/sh
# signatures.sh: the receiver over HTTP with keys made by openssl genpkey:
# RSA (x-wh-signature) and Ed25519 (x-ghl-signature) good, bad, missing
# and malformed signatures; replay rules (timestamp, webhookId); size
# limit; wrong method; the cache shows what was accepted and nothing else.
. "$TESTS_DIR/live/lib.sh"

if ! command -v openssl >/dev/null 2>&1; then
	echo "1..0 # SKIP openssl not found"
	exit 77
fi
K=$T/keys
mkdir -p "$K"
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	-out "$K/rsa.pem" 2>/dev/null &&
openssl pkey -in "$K/rsa.pem" -pubout -out "$K/rsa.pub" 2>/dev/null &&
openssl genpkey -algorithm ED25519 -out "$K/ed.pem" 2>/dev/null &&
openssl pkey -in "$K/ed.pem" -pubout -out "$K/ed.pub" 2>/dev/null
ok $? "openssl genpkey made an RSA and an Ed25519 key pair"

# rsa_sign FILE / ed_sign FILE: base64 signature of the file's bytes.
rsa_sign() {
	openssl dgst -sha256 -sign "$K/rsa.pem" "$1" | base64 | tr -d '\n'
}
ed_sign() {
	openssl pkeyutl -sign -inkey "$K/ed.pem" -rawin -in "$1" |
		base64 | tr -d '\n'
}

start_listen --offline -- --rsa-key "$K/rsa.pub" --ed25519-key "$K/ed.pub" \
	--max-body 2048 --no-sync
ok $? "receiver started on an ephemeral port"
case $L_URL in http://127.0.0.1:*/) ok 0 "first stdout line is its URL" ;;
*) ok 1 "first stdout line is its URL (got '$L_URL')"; diag "$T/listen.err" ;;
esac

# now_iso SECONDS: now plus SECONDS as ISO-8601 UTC with milliseconds.
now_iso() {
	date -u -d "@$(( $(date +%s) + $1 ))" +%Y-%m-%dT%H:%M:%S.000Z
}

B=$T/b1.json
printf '{"type":"ContactCreate","locationId":"%s","id":"SigContact000000001",' "$LOC" >"$B"
printf '"firstName":"Rsa","email":"rsa@example.com"}' >>"$B"
B2=$T/b2.json
printf '{"type":"ContactUpdate","locationId":"%s","id":"SigContact000000001",' "$LOC" >"$B2"
printf '"firstName":"Eve"}' >>"$B2"

is "$(post "$B")" 401 "unsigned event refused"
grep -q "missing signature" "$T/resp"
ok $? "the answer says the signature is missing"
is "$(sql "SELECT count(*) FROM contacts")" 0 "nothing written"

is "$(post "$B2" "x-wh-signature: $(rsa_sign "$B")")" 401 \
	"RSA signature of another body refused"
is "$(post "$B" "x-wh-signature: not*base64")" 401 \
	"malformed RSA signature refused"
is "$(post "$B" "x-wh-signature: $(rsa_sign "$B")")" 200 \
	"good RSA signature (x-wh-signature) accepted"
is "$(sql "SELECT first_name FROM contacts WHERE id = 'SigContact000000001'")" \
	Rsa "RSA-signed event applied to the cache"

is "$(post "$B2" "x-ghl-signature: $(ed_sign "$B")")" 401 \
	"Ed25519 signature of another body refused"
is "$(post "$B2" "x-ghl-signature: $(ed_sign "$B2")" \
	"x-wh-signature: $(rsa_sign "$B")")" 200 \
	"good Ed25519 signature (x-ghl-signature) accepted, checked first"
is "$(sql "SELECT first_name FROM contacts WHERE id = 'SigContact000000001'")" \
	Eve "Ed25519-signed event applied"
is "$(post "$B2" "x-ghl-signature: $(ed_sign "$B2")")" 200 \
	"the same event again answers 200"
grep -q duplicate "$T/resp"
ok $? "... as a duplicate (content dedupe without webhookId)"

# Replay protection with timestamp and webhookId.
B3=$T/b3.json
printf '{"type":"ContactUpdate","locationId":"%s","id":"SigContact000000001","lastName":"Fresh","webhookId":"wh-fresh-1","timestamp":"%s"}' \
	"$LOC" "$(now_iso -10)" >"$B3"
is "$(post "$B3" "x-ghl-signature: $(ed_sign "$B3")")" 200 "fresh event applied"
is "$(post "$B3" "x-ghl-signature: $(ed_sign "$B3")")" 200 \
	"replayed webhookId answered 200"
grep -q duplicate "$T/resp"
ok $? "... and not applied again"
B4=$T/b4.json
printf '{"type":"ContactUpdate","locationId":"%s","id":"SigContact000000001","lastName":"Stale","webhookId":"wh-stale-1","timestamp":"%s"}' \
	"$LOC" "$(now_iso -400)" >"$B4"
is "$(post "$B4" "x-ghl-signature: $(ed_sign "$B4")")" 400 \
	"validly signed event 400 s old refused"
is "$(sql "SELECT last_name FROM contacts WHERE id = 'SigContact000000001'")" \
	Fresh "the stale event left the cache alone"

# Limits and methods.
{ printf '{"type":"ContactUpdate","pad":"'
  head -c 4000 /dev/zero | tr '\0' x
  printf '"}'; } >"$T/big.json"
is "$(post "$T/big.json")" 413 "body over --max-body refused with 413"
is "$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$L_URL")" 405 \
	"GET is 405"

# One log line per event.
n=$(grep -c '"msg":"webhook' "$LOGFILE" 2>/dev/null)
is "$n" 11 "one log line per delivery (11 POSTs)"
n=$(sql "SELECT count(*) FROM sync_log WHERE kind = 'webhook' AND level = 'error'")
ok $([ "${n:-0}" -ge 3 ] && echo 0 || echo 1) \
	"rejected deliveries recorded in the sync log ($n rows)"

stop_listen
start_listen --offline -- --ed25519-key "$K/nonexistent.pub"
ok $([ $? -ne 0 ] && echo 0 || echo 1) "a missing key file stops the receiver"
grep -q "nonexistent.pub" "$T/listen.err"
ok $? "... with a message naming the file"

done_testing
