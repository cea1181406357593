"""endpoints.py: every endpoint of CONTRACT §0 against ghlterm-sandbox,
success and error paths, each JSON body validated against the operation's
response schema in contacts.openapi.json (search: CONTRACT §4.8)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import LOC, RO, RW, Sandbox, Tap, q, validate  # noqa: E402

t = Tap()
C = "/contacts/{contactId}"


def check(sb, method, path, tmpl, want, body=None, name=None, token=RW, spec_path=None):
    st, js, hd = sb.call(method, path, body, token=token)
    name = name or "%s %s" % (method, tmpl)
    t.eq(st, want, "%s -> %d" % (name, want))
    validate(t, method, spec_path or tmpl, st, js, "%s body matches the schema for %d" % (name, st))
    return js, hd


with Sandbox("--contacts", 300, "--seed", 5) as sb:
    # --- list (deprecated) and its paging ---
    js, hd = check(sb, "GET", "/contacts/?locationId=" + LOC + "&limit=7", "/contacts/", 200)
    t.eq(len(js["contacts"]), 7, "list: limit=7 gives 7 contacts")
    t.eq(js["count"], 7, "list: count is the page size")
    t.eq(js["meta"]["total"], 300, "list: meta.total")
    t.ok(all(k in js["meta"] for k in ("startAfter", "startAfterId", "nextPageUrl", "nextPage")),
         "list: meta carries the cursor keys")
    adds = [c["dateAdded"] for c in js["contacts"]]
    t.ok(adds == sorted(adds, reverse=True), "list: dateAdded descending")
    for k in ("X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining",
              "X-RateLimit-Interval-Milliseconds", "X-RateLimit-Max", "X-RateLimit-Remaining"):
        t.ok(k.lower() in hd, "header %s present" % k)
    st, js2, _ = sb.call("GET", "/contacts?locationId=%s&limit=7" % LOC)
    t.eq(js2, js, "/contacts and /contacts/ are the same route")
    st, _, _ = sb.call("GET", "/contacts/?limit=5")
    t.eq(st, 422, "list without locationId -> 422")
    check(sb, "GET", "/contacts/?locationId=" + LOC + "&limit=101", "/contacts/", 422,
          name="list limit=101")
    check(sb, "GET", "/contacts/?locationId=OtherLocation000001", "/contacts/", 400,
          name="list other location")
    cid = js["contacts"][0]["id"]
    cid2 = js["contacts"][1]["id"]
    js, _ = check(sb, "GET", "/contacts/?locationId=%s&limit=100&startAfter=%d&startAfterId=%s"
                  % (LOC, 0, cid), "/contacts/", 200, name="list from cursor (startAfterId)")
    st, full, _ = sb.call("GET", "/contacts/?locationId=%s&limit=100&startAfterId=%s" % (LOC, cid))
    t.eq(full["contacts"][0]["id"], cid2, "list: startAfterId continues after that contact")

    # --- get contact and children ---
    js, _ = check(sb, "GET", "/contacts/" + cid, C, 200)
    t.eq(js["contact"]["id"], cid, "get contact returns it")
    t.ok(len(js["contact"]["id"]) == 20 and js["contact"]["id"].isalnum(), "ids are 20 alphanumerics")
    check(sb, "GET", "/contacts/NoSuchContact0000000", C, 404, name="get unknown contact")
    st, js, _ = sb.call("GET", "/contacts/NoSuchContact0000000")
    t.eq(js, {"statusCode": 404, "message": "Contact not found"}, "404 body is the contract's")
    # a contact that has tasks, notes and appointments
    rich = None
    st, page, _ = sb.call("POST", "/contacts/search", {"locationId": LOC, "pageLimit": 100})
    for c in page["contacts"]:
        _, ts, _ = sb.call("GET", "/contacts/%s/tasks" % c["id"])
        _, ns, _ = sb.call("GET", "/contacts/%s/notes" % c["id"])
        _, es, _ = sb.call("GET", "/contacts/%s/appointments" % c["id"])
        if ts["tasks"] and ns["notes"] and es["events"]:
            rich = c["id"]
            break
    t.ok(rich is not None, "some contact has tasks, notes and appointments")
    other = cid if cid != rich else cid2
    js, _ = check(sb, "GET", "/contacts/%s/tasks" % rich, C + "/tasks", 200)
    task = js["tasks"][0]
    t.eq(task["contactId"], rich, "task belongs to its contact")
    check(sb, "GET", "/contacts/%s/tasks/%s" % (rich, task["id"]), C + "/tasks/{taskId}", 200)
    js, _ = check(sb, "GET", "/contacts/%s/tasks/%s" % (other, task["id"]), C + "/tasks/{taskId}", 404,
                  name="task of another contact")
    t.eq(js["message"], "Task not found", "404 names the task")
    js, _ = check(sb, "GET", "/contacts/%s/notes" % rich, C + "/notes", 200)
    note = js["notes"][0]
    check(sb, "GET", "/contacts/%s/notes/%s" % (rich, note["id"]), C + "/notes/{id}", 200)
    js, _ = check(sb, "GET", "/contacts/%s/notes/%s" % (other, note["id"]), C + "/notes/{id}", 404,
                  name="note of another contact")
    t.eq(js["message"], "Note not found", "404 names the note")
    js, _ = check(sb, "GET", "/contacts/%s/appointments" % rich, C + "/appointments", 200)
    ev = js["events"][0]
    t.ok(len(ev["startTime"]) == 19 and ev["startTime"][10] == " ", "appointment times are zone-less")
    check(sb, "GET", "/contacts/NoSuchContact0000000/tasks", C + "/tasks", 404, name="tasks of unknown")

    # --- search ---
    js, _ = check(sb, "POST", "/contacts/search", "/contacts/search", 200,
                  body={"locationId": LOC, "pageLimit": 5})
    t.eq(js["total"], 300, "search total counts all matches")
    check(sb, "POST", "/contacts/search", "/contacts/search", 422, body={"locationId": LOC},
          name="search without pageLimit")
    check(sb, "POST", "/contacts/search", "/contacts/search", 422, body={"pageLimit": 5},
          name="search without locationId")
    check(sb, "POST", "/contacts/search", "/contacts/search", 422,
          body={"locationId": LOC, "pageLimit": 501}, name="search pageLimit 501")
    check(sb, "POST", "/contacts/search", "/contacts/search", 400, body="{not json",
          name="search invalid JSON")
    check(sb, "POST", "/contacts/search", "/contacts/search", 422,
          body={"locationId": LOC, "pageLimit": 5, "filters": [{"field": "email", "operator": "like"}]},
          name="search unknown operator")
    check(sb, "POST", "/contacts/search", "/contacts/search", 422,
          body={"locationId": LOC, "pageLimit": 5, "sort": [{"field": "phone", "direction": "asc"}]},
          name="search unsupported sort")
    check(sb, "POST", "/contacts/search", "/contacts/search", 422,
          body={"locationId": LOC, "pageLimit": 5, "page": 2, "searchAfter": [1, "x"]},
          name="search page with searchAfter")

    # --- business ---
    st, one, _ = sb.call("GET", "/contacts/" + rich)
    biz = None
    for c in page["contacts"]:
        if c.get("businessId"):
            biz = c["businessId"]
            break
    js, _ = check(sb, "GET", "/contacts/business/%s?locationId=%s&limit=5&skip=0" % (biz, LOC),
                  "/contacts/business/{businessId}", 200)
    t.ok(js["count"] >= len(js["contacts"]) > 0, "business: count is the total of matches")
    t.ok(all(c["businessId"] == biz for c in js["contacts"]), "business: only that business")
    js2, _ = check(sb, "GET", "/contacts/business/%s?locationId=%s&limit=5&skip=5" % (biz, LOC),
                   "/contacts/business/{businessId}", 200, name="business skip=5")
    t.ok(not set(c["id"] for c in js["contacts"]) & set(c["id"] for c in js2["contacts"]),
         "business: skip pages do not overlap")
    check(sb, "GET", "/contacts/business/%s?locationId=%s&limit=abc" % (biz, LOC),
          "/contacts/business/{businessId}", 422, name="business limit=abc")
    check(sb, "GET", "/contacts/business/%s" % biz, "/contacts/business/{businessId}", 422,
          name="business without locationId")

    # --- create ---
    body = {"locationId": LOC, "firstName": "Łukasz", "lastName": "Nowak",
            "email": "Lukasz.Nowak@example.pl", "phone": "+48 22 123 45 67",
            "tags": ["trade-show", "Trade-Show", "berlin"], "companyName": "Nowak Sp. z o.o.",
            "dateOfBirth": "1993-11-02", "customFields": [{"id": "FieldAAAAAAAAAAAAAAA", "field_value": 25}],
            "dndSettings": {"sms": {"status": "active", "message": "STOP"}}}
    js, _ = check(sb, "POST", "/contacts/", "/contacts/", 201, body=body)
    new = js["contact"]
    t.ok("name" not in new and "timezone" not in new, "created contact has the CreatedContact shape")
    t.eq(new["dateOfBirth"], "1993-11-02T00:00:00.000Z", "created dateOfBirth is an ISO datetime")
    t.eq(new["birthMonth"], 10, "birthMonth is 0-based")
    t.eq(new["tags"], ["trade-show", "berlin"], "tags deduplicated, case preserved")
    t.eq(new["phone"], "+48221234567", "phone normalised to E.164")
    t.eq(new["customFields"], [{"id": "FieldAAAAAAAAAAAAAAA", "value": "25"}], "custom field stored")
    t.eq(new["dndSettings"]["SMS"]["status"], "active", "dnd channel keys take v2 casing")
    nid = new["id"]
    js, _ = check(sb, "GET", "/contacts/" + nid, C, 200, name="get created contact")
    t.eq(js["contact"]["name"], "Łukasz Nowak", "full contact has name")
    js, _ = check(sb, "POST", "/contacts", "/contacts/", 400,
                  body={"locationId": LOC, "email": "lukasz.nowak@EXAMPLE.pl"}, name="duplicate email")
    t.eq(js["message"], "This location does not allow duplicated contacts.", "duplicate message")
    check(sb, "POST", "/contacts/", "/contacts/", 422, body={"firstName": "x"}, name="create without locationId")
    check(sb, "POST", "/contacts/", "/contacts/", 422,
          body={"locationId": LOC, "email": "not-an-email"}, name="create with bad email")
    check(sb, "POST", "/contacts/", "/contacts/", 400, body="[1,", name="create invalid JSON")
    check(sb, "POST", "/contacts/", "/contacts/", 401, body={"locationId": LOC}, token=RO,
          name="create with read-only token")

    # --- update ---
    js, _ = check(sb, "PUT", "/contacts/" + nid, C, 200,
                  body={"lastName": "Nowak-Kowalska", "companyName": "Nowak SA", "city": None,
                        "dndSettings": {"Email": {"status": "inactive"}}})
    c = js["contact"]
    t.eq(js["succeded"], True, "update answers succeded (sic)")
    t.eq((c["firstName"], c["lastName"], c["companyName"]), ("Łukasz", "Nowak-Kowalska", "Nowak SA"),
         "update is partial and accepts companyName")
    t.eq(c["dndSettings"]["SMS"]["status"], "active", "dndSettings merges per channel")
    check(sb, "PUT", "/contacts/" + nid, C, 200, body={"phone": None}, name="update clears phone")
    st, js, _ = sb.call("GET", "/contacts/" + nid)
    t.ok("phone" not in js["contact"], "null cleared the field")
    check(sb, "PUT", "/contacts/NoSuchContact0000000", C, 404, body={"firstName": "x"}, name="update unknown")
    check(sb, "PUT", "/contacts/" + nid, C, 422, body={"dnd": "yes"}, name="update dnd not boolean")

    # --- tags ---
    js, _ = check(sb, "POST", "/contacts/%s/tags" % nid, C + "/tags", 201, body={"tags": ["vip", "VIP", "berlin"]})
    t.eq(js["tags"], ["trade-show", "berlin", "vip"], "add tags is idempotent")
    js, _ = check(sb, "DELETE", "/contacts/%s/tags" % nid, C + "/tags", 200, body={"tags": ["berlin", "absent"]})
    t.eq(js["tags"], ["trade-show", "vip"], "remove tags takes a JSON body")
    check(sb, "POST", "/contacts/%s/tags" % nid, C + "/tags", 422, body={"tags": "vip"}, name="tags not an array")
    check(sb, "DELETE", "/contacts/%s/tags" % nid, C + "/tags", 422, body={}, name="remove tags without tags")

    # --- tasks ---
    js, _ = check(sb, "POST", "/contacts/%s/tasks" % nid, C + "/tasks", 201,
                  body={"title": "Call back", "dueDate": "2026-10-25T11:00:00Z", "completed": False,
                        "body": "about pricing"})
    tk = js["task"]
    t.eq((tk["contactId"], tk["completed"], tk["dueDate"]), (nid, False, "2026-10-25T11:00:00.000Z"),
         "created task")
    js, _ = check(sb, "POST", "/contacts/%s/tasks" % nid, C + "/tasks", 422, body={"body": "x"},
                  name="create task without required fields")
    t.eq(sorted(js["message"]), sorted(["title should not be empty",
                                        "dueDate must be a valid ISO 8601 date string",
                                        "completed must be a boolean value"]), "422 lists every problem")
    js, _ = check(sb, "PUT", "/contacts/%s/tasks/%s" % (nid, tk["id"]), C + "/tasks/{taskId}", 200,
                  body={"title": "Call back today"})
    t.eq(js["task"]["title"], "Call back today", "update task")
    js, _ = check(sb, "PUT", "/contacts/%s/tasks/%s/completed" % (nid, tk["id"]),
                  C + "/tasks/{taskId}/completed", 200, body={"completed": True})
    t.eq(js["task"]["completed"], True, "complete task")
    check(sb, "PUT", "/contacts/%s/tasks/%s/completed" % (nid, tk["id"]), C + "/tasks/{taskId}/completed",
          422, body={"completed": "yes"}, name="complete with a non-boolean")
    check(sb, "PUT", "/contacts/%s/tasks/%s" % (nid, "NoSuchTask0000000000"), C + "/tasks/{taskId}", 404,
          body={"title": "x"}, name="update unknown task")
    check(sb, "DELETE", "/contacts/%s/tasks/%s" % (nid, tk["id"]), C + "/tasks/{taskId}", 200)
    check(sb, "DELETE", "/contacts/%s/tasks/%s" % (nid, tk["id"]), C + "/tasks/{taskId}", 404,
          name="delete task twice")

    # --- notes ---
    js, _ = check(sb, "POST", "/contacts/%s/notes" % nid, C + "/notes", 201,
                  body={"body": "Line one\nLine two", "title": "Call", "color": "#FFAA00", "pinned": True})
    nt = js["note"]
    t.eq((nt["body"], nt["contactId"], nt["pinned"]), ("Line one\nLine two", nid, True), "created note")
    check(sb, "POST", "/contacts/%s/notes" % nid, C + "/notes", 422, body={"title": "x"},
          name="create note without body")
    js, _ = check(sb, "PUT", "/contacts/%s/notes/%s" % (nid, nt["id"]), C + "/notes/{id}", 200,
                  body={"body": "Edited"})
    t.eq((js["note"]["body"], js["note"]["title"]), ("Edited", "Call"), "update note is partial")
    check(sb, "PUT", "/contacts/%s/notes/%s" % (other, nt["id"]), C + "/notes/{id}", 404, body={"body": "x"},
          name="update note via another contact")
    check(sb, "DELETE", "/contacts/%s/notes/%s" % (nid, nt["id"]), C + "/notes/{id}", 200)
    check(sb, "DELETE", "/contacts/%s/notes/%s" % (nid, nt["id"]), C + "/notes/{id}", 404,
          name="delete note twice")

    # --- upsert ---
    js, _ = check(sb, "POST", "/contacts/upsert", "/contacts/upsert", 200,
                  body={"locationId": LOC, "email": "LUKASZ.NOWAK@example.pl", "tags": ["only"]})
    t.eq((js["new"], js["contact"]["id"], js["contact"]["tags"]), (False, nid, ["only"]),
         "upsert matches email case-insensitively and overwrites tags")
    t.ok(isinstance(js.get("traceId"), str), "upsert carries traceId")
    js, _ = check(sb, "POST", "/contacts/upsert", "/contacts/upsert", 200,
                  body={"locationId": LOC, "phone": "+48 22 000 11 22", "firstName": "Ewa"},
                  name="upsert creating")
    t.eq(js["new"], True, "upsert creates with 200 and new=true")
    ewa = js["contact"]["id"]
    js, _ = check(sb, "POST", "/contacts/upsert", "/contacts/upsert", 200,
                  body={"locationId": LOC, "phone": "+48220001122", "lastName": "Z"}, name="upsert by phone")
    t.eq((js["new"], js["contact"]["id"]), (False, ewa), "upsert matches on phone")
    check(sb, "POST", "/contacts/upsert", "/contacts/upsert", 422, body={"email": "a@b.io"},
          name="upsert without locationId")

    # --- delete ---
    check(sb, "DELETE", "/contacts/" + nid, C, 401, token=RO, name="delete with read-only token")
    js, _ = check(sb, "DELETE", "/contacts/" + nid, C, 200)
    t.eq(js, {"succeded": True}, "delete answers succeded")
    check(sb, "DELETE", "/contacts/" + nid, C, 404, name="second delete")
    check(sb, "GET", "/contacts/%s/tasks" % nid, C + "/tasks", 404, name="tasks of deleted contact")
    js, _ = check(sb, "DELETE", "/contacts/" + rich, C, 200, name="delete generated contact")
    check(sb, "GET", "/contacts/%s/notes/%s" % (rich, note["id"]), C + "/notes/{id}", 404,
          name="its notes are gone")
    st, js, _ = sb.call("POST", "/contacts/search", {"locationId": LOC, "pageLimit": 1})
    t.eq(js["total"], 300, "search total after 2 creates and 2 deletes")

    # --- routing details ---
    st, js, _ = sb.call("GET", "/contacts/%s" % q(cid))
    t.eq(st, 200, "percent-encoded id decodes")
    st, js, _ = sb.call("GET", "/contacts/search")
    t.eq(st, 404, "GET /contacts/search is not a route (literal before :contactId)")
    st, js, _ = sb.call("PATCH", "/contacts/" + cid)
    t.eq(st, 404, "unknown method -> 404")
    st, js, _ = sb.call("GET", "/contacts/%2Fx%2")
    t.eq(st, 404, "malformed escape is not a contact")
    big = {"locationId": LOC, "pageLimit": 5, "query": "x" * 2000000}
    st, js, _ = sb.call("POST", "/contacts/search", big)
    t.eq(st, 413, "oversized body -> 413")
    validate(t, "post", "/contacts/search", st, js, "413 body is JSON with a message")
    t.eq(sb.stop(), 0, "clean exit after SIGTERM (no leaks under ASan)")

# The validator itself must be able to fail.
import jsonschema  # noqa: E402
from sbtest import response_schema  # noqa: E402
bad = {"contact": {"id": "x", "dnd": "no", "tags": [1]}}
t.ok(not jsonschema.Draft202012Validator(response_schema("get", C, 200)).is_valid(bad),
     "schema check rejects a contact with wrong types")
t.ok(not jsonschema.Draft202012Validator(response_schema("get", C, 404)).is_valid({"statusCode": 404}),
     "schema check rejects a 404 without message")
t.done()
