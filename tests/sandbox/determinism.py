"""determinism.py: the same --seed gives the same data byte for byte, a
different seed different data; the same --fault seed gives the same fault
sequence for the same request sequence, and every fault kind happens."""
import http.client
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import LOC, RW, VERSION, Sandbox, Tap  # noqa: E402

t = Tap()
H = {"Authorization": "Bearer " + RW, "Version": VERSION}


def snapshot(seed, n=400):
    """Raw bytes of a fixed request sequence (no traceIds)."""
    out = []
    with Sandbox("--contacts", n, "--seed", seed, "--rate-limit", "100000/1000") as sb:
        st, hd, data = sb.raw("GET", "/contacts/?locationId=%s&limit=100" % LOC, None, H)
        data = data.replace(sb.url.encode(), b"BASE")  # the port differs
        out.append(data)
        import json
        ids = [c["id"] for c in json.loads(data)["contacts"]]
        for cid in ids[:40]:
            for sub in ("", "/tasks", "/notes", "/appointments"):
                st, hd, data = sb.raw("GET", "/contacts/%s%s" % (cid, sub), None, H)
                out.append(data)
        st, hd, data = sb.raw("GET", "/contacts/?locationId=%s&limit=100&startAfterId=%s"
                              % (LOC, ids[-1]), None, H)
        out.append(data.replace(sb.url.encode(), b"BASE"))
    return out, ids


a, ida = snapshot(11)
b, idb = snapshot(11)
c, idc = snapshot(12)
t.ok(len(a) == len(b) and all(x == y for x, y in zip(a, b)), "same seed: identical bytes (%d responses)" % len(a))
t.ok(ida != idc and a[1] != c[1], "different seed: different data")
t.ok(len(set(ida)) == len(ida), "ids are unique")


def fault_run(spec, n=250):
    """Status (or 'drop'/'trunc'/'bad') of n sequential requests."""
    seq = []
    with Sandbox("--contacts", 50, "--fault", spec, "--rate-limit", "100000/1000") as sb:
        for i in range(n):
            conn = http.client.HTTPConnection(sb.host, sb.port, timeout=20)
            try:
                conn.request("GET", "/contacts/?locationId=%s&limit=2" % LOC, headers=H)
                r = conn.getresponse()
                body = r.read()
                ctype = r.getheader("Content-Type", "")
                kind = str(r.status)
                if r.status == 429:
                    kind += "+ra" if r.getheader("Retry-After") else "-ra"
                if "html" in ctype:
                    kind = "html%d" % r.status
                elif r.status == 200:
                    import json
                    try:
                        json.loads(body)
                    except ValueError:
                        kind = "malformed"
            except http.client.IncompleteRead:
                kind = "truncated"
            except (http.client.RemoteDisconnected, ConnectionResetError, socket.timeout):
                kind = "drop"
            finally:
                conn.close()
            seq.append(kind)
        stats = sb.stats()
        rc = sb.stop()
    t.eq(rc, 0, "clean exit after faults (spec %s)" % spec)
    return seq, stats


spec = "5xx=0.1,429=0.08,drop=0.05,dropafter=0.03,truncate=0.05,malformed=0.05,html=0.04,seed=7"
s1, st1 = fault_run(spec)
s2, st2 = fault_run(spec)
s3, _ = fault_run(spec.replace("seed=7", "seed=8"))
t.eq(s1, s2, "same fault seed: same fault sequence")
t.ok(s1 != s3, "another fault seed: another sequence")
kinds = set(s1)
for k in ("200", "500", "502", "503", "429+ra", "429-ra", "drop", "truncated", "malformed", "html502"):
    t.ok(k in kinds, "fault kind %s happens" % k)
share = sum(1 for k in s1 if k != "200") / len(s1)
t.ok(0.25 < share < 0.55, "fault share near the spec's 0.40 (%.2f)" % share)
t.eq(st1["faults"]["malformed"], s1.count("malformed"), "stats count malformed faults")
with Sandbox("--contacts", 10, "--fault", "slow=1,slowms=700") as sb:
    import time
    t0 = time.time()
    st, js, _ = sb.call("GET", "/contacts/?locationId=%s&limit=1" % LOC)
    dt = time.time() - t0
    t.ok(st == 200 and dt >= 0.65, "slow fault delays the response (%.2f s)" % dt)
    st, hd, data = sb.raw("GET", "/_sandbox/stats")
    t.eq(st, 200, "control endpoints are not faulted")
with Sandbox("--contacts", 10, "--latency", "300") as sb:
    t0 = time.time()
    st, js, _ = sb.call("GET", "/contacts/?locationId=%s&limit=1" % LOC)
    dt = time.time() - t0
    t.ok(st == 200 and dt >= 0.28, "--latency delays responses (%.2f s)" % dt)
t.done()
