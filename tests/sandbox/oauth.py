"""oauth.py: POST /oauth/token refresh flow (CONTRACT §1.3) and token
expiry (--token-ttl, /_sandbox/expire-token)."""
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import LOC, Sandbox, Tap  # noqa: E402

t = Tap()
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def refresh(sb, rt, cid="client-1", secret="s3cr3t", grant="refresh_token"):
    form = {"client_id": cid, "client_secret": secret, "grant_type": grant,
            "refresh_token": rt, "user_type": "Location"}
    body = urllib.parse.urlencode({k: v for k, v in form.items() if v is not None})
    st, js, hd = sb.call("POST", "/oauth/token", body, token=None, version=None, headers=FORM)
    return st, js


def get_list(sb, tok):
    st, js, _ = sb.call("GET", "/contacts/?locationId=%s&limit=1" % LOC, token=tok)
    return st, js


with Sandbox("--contacts", 20, "--oauth-client", "client-1:s3cr3t", "--refresh-token",
             "seed-refresh+token/1", "--token-ttl", "2", "--token", "pit-token") as sb:
    st, js = refresh(sb, "seed-refresh+token/1")
    t.eq(st, 200, "refresh with the seeded token -> 200")
    for k in ("access_token", "token_type", "expires_in", "refresh_token", "scope",
              "userType", "locationId", "companyId", "userId"):
        t.ok(k in js, "token response has %s" % k)
    t.eq((js["token_type"], js["expires_in"], js["locationId"]), ("Bearer", 2, LOC),
         "token type, lifetime and location")
    a1, r1 = js["access_token"], js["refresh_token"]
    t.eq(get_list(sb, a1)[0], 200, "the new access token works")
    st, js = refresh(sb, "seed-refresh+token/1")
    t.eq(st, 400, "a used refresh token is rejected")
    st, js = refresh(sb, r1)
    t.eq(st, 200, "the new refresh token works once")
    a2, r2 = js["access_token"], js["refresh_token"]
    t.ok(a2 != a1 and r2 != r1, "each refresh returns a new pair")
    st, js = refresh(sb, r2, secret="wrong")
    t.eq((st, js.get("error")), (401, "Unauthorized"), "wrong client secret -> 401")
    st, js = refresh(sb, r2, grant="authorization_code")
    t.eq(st, 400, "other grant types -> 400")
    st, js = refresh(sb, r2, cid=None)
    t.eq((st, js.get("error")), (422, "Unprocessable Entity"), "missing client_id -> 422")
    st, js = refresh(sb, r2)
    t.eq(st, 200, "failed attempts did not burn the refresh token")
    a3 = js["access_token"]
    # Expiry: poll with a deadline, never a fixed sleep.
    deadline, st = time.time() + 8, 200
    while time.time() < deadline:
        st, js = get_list(sb, a1)
        if st == 401:
            break
        time.sleep(0.1)
    t.eq(st, 401, "access token expires after --token-ttl")
    t.ok("expired" in js["message"] and js["error"] == "Unauthorized", "401 says expired")
    t.eq(get_list(sb, "pit-token")[0], 401, "--token tokens expire too with --token-ttl")
    st, js = refresh(sb, js and r2)
    t.eq(st, 400, "old refresh token stays invalid")

with Sandbox("--contacts", 5) as sb:
    t.eq(get_list(sb, "sandbox-token")[0], 200, "default token works")
    st, _, _ = sb.raw("POST", "/_sandbox/expire-token?token=sandbox-token")
    t.eq(st, 200, "expire-token accepted")
    st, js = get_list(sb, "sandbox-token")
    t.eq(st, 401, "an expired token gets 401")
    t.eq(get_list(sb, "sandbox-readonly")[0], 200, "the other token is unaffected")

with Sandbox("--contacts", 5, "--token", "old:expired", "--token", "ro:expired:readonly",
             "--token", "ok", "--accept-version", "2021-07-28", "--accept-version", "2023-02-21") as sb:
    st, js = get_list(sb, "old")
    t.ok(st == 401 and "expired" in js["message"], "--token TOKEN:expired starts expired")
    t.eq(get_list(sb, "ro")[0], 401, "suffixes combine (:expired:readonly)")
    t.eq(get_list(sb, "ok")[0], 200, "a plain token works")
    st, _, _ = sb.call("GET", "/contacts/?locationId=%s&limit=1" % LOC, token="ok", version="2023-02-21")
    t.eq(st, 200, "--accept-version adds an accepted Version value")
    st, js, _ = sb.call("GET", "/contacts/?locationId=%s&limit=1" % LOC, token="ok", version="v3")
    t.ok(st == 400 and "'v3'" in js["message"], "other values still get 400 naming them")
t.done()
