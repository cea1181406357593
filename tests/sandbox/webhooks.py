"""webhooks.py: --webhook URL posts the contract's events on every change
(a receiver on an ephemeral port); shapes follow tests/data/api/webhooks."""
import http.server
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sbtest import DATA_DIR, LOC, Sandbox, Tap  # noqa: E402

t = Tap()
events = []
lock = threading.Lock()


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        body = self.rfile.read(n)
        with lock:
            events.append((self.path, self.headers.get("Content-Type"), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *a):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=srv.serve_forever, daemon=True).start()
hook_url = "http://127.0.0.1:%d/hook" % srv.server_address[1]


def wait_for(pred, secs=15):
    deadline = time.time() + secs
    while time.time() < deadline:
        with lock:
            if pred([json.loads(b) for _, _, b in events]):
                return True
        time.sleep(0.05)
    return False


with Sandbox("--contacts", 100, "--seed", 2, "--webhook", hook_url) as sb:
    st, js, _ = sb.call("POST", "/contacts/", {"locationId": LOC, "firstName": "Hook", "lastName": "Test",
                                              "email": "hook@test.example", "dateOfBirth": "1990-09-25"})
    cid = js["contact"]["id"]
    sb.call("PUT", "/contacts/" + cid, {"city": "Oslo"})
    sb.call("POST", "/contacts/%s/tags" % cid, {"tags": ["hooked"]})
    sb.call("PUT", "/contacts/" + cid, {"dndSettings": {"SMS": {"status": "active"}}})
    st, js, _ = sb.call("POST", "/contacts/%s/tasks" % cid, {"title": "T", "dueDate": "2026-12-01T10:00:00Z",
                                                           "completed": False})
    tid = js["task"]["id"]
    sb.call("PUT", "/contacts/%s/tasks/%s/completed" % (cid, tid), {"completed": True})
    sb.call("DELETE", "/contacts/%s/tasks/%s" % (cid, tid))
    st, js, _ = sb.call("POST", "/contacts/%s/notes" % cid, {"body": "N"})
    nid = js["note"]["id"]
    sb.call("PUT", "/contacts/%s/notes/%s" % (cid, nid), {"body": "N2"})
    sb.call("DELETE", "/contacts/%s/notes/%s" % (cid, nid))
    sb.call("DELETE", "/contacts/" + cid)
    # A generated contact with appointments: deleting it deletes them.
    st, page, _ = sb.call("POST", "/contacts/search", {"locationId": LOC, "pageLimit": 100})
    victim = None
    for c in page["contacts"]:
        st, ev, _ = sb.call("GET", "/contacts/%s/appointments" % c["id"])
        if ev["events"]:
            victim, nappt = c["id"], len(ev["events"])
            break
    sb.call("DELETE", "/contacts/" + victim)
    want = ["ContactCreate", "ContactUpdate", "ContactTagUpdate", "ContactDndUpdate", "TaskCreate",
            "TaskComplete", "TaskDelete", "NoteCreate", "NoteUpdate", "NoteDelete", "ContactDelete",
            "AppointmentDelete"]
    got = wait_for(lambda evs: all(any(e["type"] == w for e in evs) for w in want)
                   and sum(e["type"] == "AppointmentDelete" for e in evs) >= nappt)
    t.ok(got, "all event types delivered")
    with lock:
        evs = [json.loads(b) for _, _, b in events]
        t.ok(all(p == "/hook" and ct == "application/json" for p, ct, _ in events),
             "POSTed as application/json to the URL")
    t.eq([e["type"] for e in evs if e["type"].startswith(("Task", "Note"))],
         ["TaskCreate", "TaskComplete", "TaskDelete", "NoteCreate", "NoteUpdate", "NoteDelete"],
         "events arrive in order")
    t.ok(all(e["locationId"] == LOC for e in evs), "every event has locationId")
    for e in evs:
        ex_type = "ContactCreate" if e["type"] == "ContactDndUpdate" else e["type"]
        with open(os.path.join(DATA_DIR, "api", "webhooks", ex_type + ".json")) as f:
            ex = json.load(f)
        allowed = set(ex) | ({"dndSettings"} if e["type"] == "ContactDndUpdate" else set())
        extra = set(e) - allowed
        t.ok(not extra, "%s keys are those of the example (extra: %s)" % (e["type"], sorted(extra)))
    cc = next(e for e in evs if e["type"] == "ContactCreate")
    t.eq((cc["id"], cc["dateOfBirth"], cc["name"]), (cid, "1990-09-25T00:00:00.000Z", "Hook Test"),
         "ContactCreate payload")
    tc = next(e for e in evs if e["type"] == "TaskComplete")
    t.ok("completed" not in tc and tc["id"] == tid and tc["contactId"] == cid, "task events lack completed")
    ap = next(e for e in evs if e["type"] == "AppointmentDelete")["appointment"]
    t.ok(ap["contactId"] == victim and ap["startTime"].endswith("+00:00") and "T" in ap["startTime"],
         "appointment events nest the appointment with ISO offset times")
    dnd = next(e for e in evs if e["type"] == "ContactDndUpdate")
    t.eq(dnd["dndSettings"]["SMS"]["status"], "active", "ContactDndUpdate carries dndSettings")
    t.eq(sb.stop(), 0, "clean exit with the webhook thread (no leaks under ASan)")
srv.shutdown()
t.done()
