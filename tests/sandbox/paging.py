"""paging.py: both paging modes of POST /contacts/search and the
deprecated list visit each of 10,000 contacts exactly once, also while
contacts are being modified; sorts, filters and query agree with a
client-side evaluation of the full data set."""
import json
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import LOC, RW, VERSION, Sandbox, Tap  # noqa: E402

N = 10000
t = Tap()


SA = re.compile(rb'"searchAfter":\[([^,\]]*),"([A-Za-z0-9]{20})"\]')
TOTAL = re.compile(rb'"total":([0-9]+)')


def search(sb, light=False, **kw):
    """One search page.  light: skip decoding the contacts (the 10,000
    contact passes only need each item's cursor), keeping the test fast."""
    body = {"locationId": LOC, "pageLimit": kw.pop("pageLimit", 500)}
    body.update(kw)
    st, hd, data = sb.raw("POST", "/contacts/search", body,
                          {"Authorization": "Bearer " + RW, "Version": VERSION})
    if st != 200:
        raise AssertionError("search %r -> %d %r" % (body, st, data[:300]))
    if not light:
        return json.loads(data)
    items = [{"id": i.decode(), "searchAfter": [json.loads(k), i.decode()]}
             for k, i in SA.findall(data)]
    return {"contacts": items, "total": int(TOTAL.search(data).group(1))}


def cursor_all(sb, light=False, **kw):
    out, after, pages = [], None, 0
    while True:
        extra = dict(kw)
        if after is not None:
            extra["searchAfter"] = after
        js = search(sb, light, **extra)
        pages += 1
        if not js["contacts"]:
            return out, js["total"], pages
        out.extend(js["contacts"])
        after = js["contacts"][-1]["searchAfter"]


def pages_all(sb, limit=500, light=False, **kw):
    out, page = [], 1
    while True:
        js = search(sb, light, page=page, pageLimit=limit, **kw)
        out.extend(js["contacts"])
        if (page) * limit >= min(js["total"], 10000) or not js["contacts"]:
            return out
        page += 1


def list_all(sb):
    out, sa, sid = [], None, None
    while True:
        p = "/contacts/?locationId=%s&limit=100" % LOC
        if sa is not None:
            p += "&startAfter=%d&startAfterId=%s" % (sa, sid)
        st, js, _ = sb.call("GET", p)
        if st != 200:
            raise AssertionError("list -> %d" % st)
        out.extend(js["contacts"])
        m = js.get("meta") or {}
        if not m.get("startAfterId") or len(js["contacts"]) < 100:
            return out
        sa, sid = m["startAfter"], m["startAfterId"]


class Churn(threading.Thread):
    """Modifies contacts (tags, names, dnd) until stopped."""

    def __init__(self, url_sb, ids):
        super().__init__(daemon=True)
        self.sb, self.ids, self.stop, self.n, self.errors = url_sb, ids, False, 0, 0

    def run(self):
        i = 0
        while not self.stop:
            cid = self.ids[(i * 7919) % len(self.ids)]
            if i % 2:
                st, _, _ = self.sb.call("POST", "/contacts/%s/tags" % cid, {"tags": ["churn-%d" % i]})
            else:
                st, _, _ = self.sb.call("PUT", "/contacts/" + cid, {"firstName": "Zed%d" % i, "dnd": i % 4 == 0})
            if st not in (200, 201):
                self.errors += 1
            self.n += 1
            i += 1
            time.sleep(0.005)  # steady churn, leaving CPU to the pager


with Sandbox("--contacts", N, "--seed", 3, "--rate-limit", "1000000/1000") as sb:
    full, total, pages = cursor_all(sb, light=True)
    ids = [c["id"] for c in full]
    t.eq(total, N, "search total is N")
    t.eq(len(ids), N, "cursor mode returns N items")
    t.eq(len(set(ids)), N, "cursor mode: every contact exactly once")
    t.eq(pages, N // 500 + 1, "cursor mode stops on an empty page")
    adds = [c["searchAfter"][0] for c in full]
    t.ok(all(adds[i] >= adds[i + 1] for i in range(len(adds) - 1)), "default sort is dateAdded desc")
    t.ok(all(isinstance(c["searchAfter"][0], int) for c in full[:50]), "date cursors are epoch ms numbers")

    paged = [c["id"] for c in pages_all(sb, light=True)]
    t.eq(sorted(paged), sorted(ids), "page mode: every contact exactly once")
    t.eq(paged, ids, "page mode and cursor mode agree on order")
    st, js, _ = sb.call("POST", "/contacts/search", {"locationId": LOC, "pageLimit": 500, "page": 21})
    t.eq(st, 422, "page mode stops at 10,000 records")

    listed = [c["id"] for c in list_all(sb)]
    t.eq(len(listed), N, "deprecated list returns N items")
    t.eq(set(listed), set(ids), "deprecated list: every contact exactly once")

    # The same, while another connection modifies contacts.
    churn_sb = Sandbox.__new__(Sandbox)
    churn_sb.host, churn_sb.port, churn_sb.conn = sb.host, sb.port, None
    ch = Churn(churn_sb, ids)
    ch.start()
    c2, _, _ = cursor_all(sb, light=True)
    p2 = pages_all(sb, light=True)
    l2 = list_all(sb)
    ch.stop = True
    ch.join()
    t.ok(ch.n > 20 and ch.errors == 0, "modifier made %d changes without errors" % ch.n)
    t.eq(sorted(c["id"] for c in c2), sorted(ids), "cursor mode exactly once under modification")
    t.eq(sorted(c["id"] for c in p2), sorted(ids), "page mode exactly once under modification")
    t.eq(sorted(c["id"] for c in l2), sorted(ids), "list exactly once under modification")


# Sorts, filters and query on a smaller data set (the same code paths).
M = 3000
with Sandbox("--contacts", M, "--seed", 4, "--rate-limit", "1000000/1000") as sb:
    full, _, _ = cursor_all(sb)
    byid = {c["id"]: c for c in full}
    N = M
    # Sorts, with the cursor.
    for field, d in (("firstNameLowerCase", "asc"), ("lastNameLowerCase", "desc"),
                     ("email", "asc"), ("dateUpdated", "asc"), ("dateAdded", "asc")):
        got, _, _ = cursor_all(sb, light=True, sort=[{"field": field, "direction": d}])
        keys = [c["searchAfter"][0] for c in got]
        ordered = all((keys[i] <= keys[i + 1]) if d == "asc" else (keys[i] >= keys[i + 1])
                      for i in range(len(keys) - 1))
        t.ok(ordered and len(got) == N and len(set(c["id"] for c in got)) == N,
             "sort %s %s: ordered, each contact once" % (field, d))
    got = pages_all(sb, sort=[{"field": "firstNameLowerCase", "direction": "asc"}])
    t.eq([c.get("firstNameLowerCase", "") for c in got],
         sorted(c.get("firstNameLowerCase", "") for c in got), "page mode honours sort")

    def expect(pred):
        return sorted(i for i, c in byid.items() if pred(c))

    def found(**kw):
        got, total, _ = cursor_all(sb, **kw)
        return sorted(c["id"] for c in got), total

    got, total = found(filters=[{"field": "tags", "operator": "contains", "value": "vip"}])
    want = expect(lambda c: "vip" in c.get("tags", []))
    t.ok(got == want and total == len(want) and want, "contains on tags is membership (%d)" % len(want))
    got, _ = found(query="OKAFOR")
    want = expect(lambda c: "okafor" in (c.get("lastName", "") + c.get("email", "")).lower())
    t.ok(got == want and want, "query is a case-insensitive substring (%d)" % len(want))
    got, _ = found(query="Иван")
    want = expect(lambda c: "иван" in (c.get("firstName", "") + " " + c.get("lastName", "")).lower())
    t.ok(got == want and want, "query matches Cyrillic names case-insensitively (%d)" % len(want))
    got, _ = found(query="rocket")
    want = expect(lambda c: "rocket" in c.get("companyName", "").lower())
    t.ok(got == want and want, "query matches company (%d)" % len(want))
    some = next(c for c in full if c.get("email"))
    got, _ = found(filters=[{"field": "email", "operator": "eq", "value": some["email"].upper()}])
    t.eq(got, [some["id"]], "eq on email is case-insensitive")
    got, _ = found(filters=[{"field": "email", "operator": "not_exists"}])
    want = expect(lambda c: not c.get("email"))
    t.ok(got == want and want, "not_exists (%d without email)" % len(want))
    got, _ = found(filters=[{"field": "phone", "operator": "exists"}])
    want = expect(lambda c: bool(c.get("phone")))
    t.ok(got == want, "exists (%d with phone)" % len(want))
    mid = sorted(c["searchAfter"][0] for c in full)[N // 2]
    got, _ = found(filters=[{"field": "dateAdded", "operator": "range", "value": {"gte": mid}}])
    want = expect(lambda c: c["searchAfter"][0] >= mid)
    t.eq(got, want, "range gte on dateAdded (epoch ms)")
    iso = byid[[i for i in byid if byid[i]["searchAfter"][0] == mid][0]]["dateAdded"]
    got, _ = found(filters=[{"field": "dateAdded", "operator": "range", "value": {"lt": iso}}])
    want = expect(lambda c: c["searchAfter"][0] < mid)
    t.eq(got, want, "range lt on dateAdded (ISO string)")
    got, _ = found(filters=[{"group": "OR", "filters": [
        {"field": "country", "operator": "eq", "value": "JP"},
        {"field": "country", "operator": "eq", "value": "RU"}]},
        {"field": "dnd", "operator": "eq", "value": False}])
    want = expect(lambda c: c.get("country") in ("JP", "RU") and c.get("dnd") is False)
    t.ok(got == want and want, "OR group ANDed with a boolean eq (%d)" % len(want))
    got, _ = found(filters=[{"field": "country", "operator": "not_eq", "value": "US"}])
    want = expect(lambda c: c.get("country") != "US")
    t.eq(got, want, "not_eq")
    scripts = {"cjk": 0, "cyr": 0, "arab": 0, "accent": 0, "emoji": 0}
    for c in full:
        s = c.get("firstName", "") + c.get("lastName", "") + c.get("companyName", "") + "".join(c.get("tags", []))
        scripts["cjk"] += any("\u4e00" <= ch <= "\u9fff" for ch in s)
        scripts["cyr"] += any("\u0400" <= ch <= "\u04ff" for ch in s)
        scripts["arab"] += any("\u0600" <= ch <= "\u06ff" for ch in s)
        scripts["accent"] += any(ch in "éëçñøłåüöèí" for ch in s)
        scripts["emoji"] += any(ord(ch) > 0x1f000 for ch in s)
    t.ok(all(v > 0 for v in scripts.values()), "names in several scripts %r" % scripts)
    t.ok(all(c["phone"].startswith("+") and c["phone"][1:].isdigit() for c in full if "phone" in c),
         "phones are E.164")
    t.eq(sb.stop(), 0, "clean exit after SIGTERM (no leaks under ASan)")
t.done()
