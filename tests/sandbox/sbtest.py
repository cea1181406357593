"""sbtest.py: shared helpers of the ghlterm-sandbox tests: start a sandbox
on an ephemeral port, make requests, print TAP, validate JSON bodies
against the OpenAPI spec (tests/data/contacts.openapi.json)."""
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse

SANDBOX = os.environ.get("GHLTERM_SANDBOX", "ghlterm-sandbox")
DATA_DIR = os.environ.get("DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "data"))
LOC = "SandboxLocation00001"
RW = "sandbox-token"
RO = "sandbox-readonly"
VERSION = "2021-07-28"


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print("%sok %d - %s" % ("" if cond else "not ", self.n, name), flush=True)
        if not cond and diag is not None:
            for line in str(diag)[:2000].splitlines():
                print("# " + line, flush=True)
        return cond

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got:  %r\nwant: %r" % (got, want))

    def done(self):
        print("1..%d" % self.n, flush=True)
        sys.exit(1 if self.failed else 0)


class Sandbox:
    """A running ghlterm-sandbox; use as a context manager."""

    def __init__(self, *args, timeout=20):
        self.args = [SANDBOX] + [str(a) for a in args]
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        deadline = time.time() + timeout
        line = self.proc.stdout.readline().strip()
        if not line.startswith("http://") or time.time() > deadline:
            self.stop()
            raise RuntimeError("sandbox did not print its URL: %r" % line)
        self.url = line
        u = urllib.parse.urlparse(line)
        self.host, self.port = u.hostname, u.port
        self.conn = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def raw(self, method, path, body=None, headers=None, timeout=30, keep=True):
        """Return (status, headers dict lower-cased, body bytes)."""
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode()
        h = dict(headers or {})
        if body is not None and "Content-Type" not in h:
            h["Content-Type"] = "application/json"
        for attempt in range(2):
            if self.conn is None or not keep:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                hdrs = {k.lower(): v for k, v in r.getheaders()}
                if not keep:
                    self.conn.close()
                    self.conn = None
                return r.status, hdrs, data
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError, http.client.CannotSendRequest):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def call(self, method, path, body=None, token=RW, version=VERSION, headers=None):
        """Return (status, parsed JSON or None, headers)."""
        h = dict(headers or {})
        if token is not None:
            h["Authorization"] = "Bearer " + token
        if version is not None:
            h["Version"] = version
        st, hd, data = self.raw(method, path, body, h)
        try:
            js = json.loads(data) if data else None
        except ValueError:
            js = None
        return st, js, hd

    def stats(self):
        st, hd, data = self.raw("GET", "/_sandbox/stats")
        return json.loads(data)


def q(s):
    return urllib.parse.quote(s, safe="")


# ---- schema validation ----

_spec = None

ERROR_SCHEMAS = {
    400: {"type": "object", "required": ["statusCode", "message"],
          "properties": {"statusCode": {"const": 400}, "message": {"type": "string"}}},
    401: {"type": "object", "required": ["statusCode", "message", "error"],
          "properties": {"statusCode": {"const": 401}, "message": {"type": "string"},
                         "error": {"const": "Unauthorized"}}},
    404: {"type": "object", "required": ["statusCode", "message"],
          "properties": {"statusCode": {"const": 404}, "message": {"type": "string"}}},
    413: {"type": "object", "required": ["statusCode", "message"],
          "properties": {"statusCode": {"const": 413}, "message": {"type": "string"}}},
    422: {"type": "object", "required": ["statusCode", "message", "error"],
          "properties": {"statusCode": {"const": 422},
                         "message": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                         "error": {"const": "Unprocessable Entity"}}},
    429: {"type": "object", "required": ["statusCode", "message"],
          "properties": {"statusCode": {"const": 429}, "message": {"const": "Too many requests"}}},
}

# CONTRACT §4.8 / §3.4: the search response (the spec has no schema).
SEARCH_SCHEMA = {
    "type": "object", "required": ["contacts", "total", "traceId"],
    "properties": {
        "total": {"type": "number"}, "traceId": {"type": "string"},
        "contacts": {"type": "array", "items": {
            "type": "object", "required": ["id", "searchAfter"],
            "properties": {
                "id": {"type": "string"}, "locationId": {"type": "string"},
                "firstName": {"type": "string"}, "lastName": {"type": "string"},
                "firstNameLowerCase": {"type": "string"}, "lastNameLowerCase": {"type": "string"},
                "email": {"type": "string"}, "phone": {"type": "string"},
                "phoneLabel": {"type": "string"}, "companyName": {"type": "string"},
                "businessName": {"type": "string"}, "businessId": {"type": "string"},
                "address": {"type": "string"}, "city": {"type": "string"},
                "state": {"type": "string"}, "postalCode": {"type": "string"},
                "country": {"type": "string"}, "source": {"type": "string"},
                "type": {"type": "string"}, "dnd": {"type": "boolean"},
                "dndSettings": {"type": "object"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "customFields": {"type": "array", "items": {"type": "object",
                                 "properties": {"id": {"type": "string"}, "value": {"type": "string"}}}},
                "dateAdded": {"type": "string"}, "dateUpdated": {"type": "string"},
                "dateOfBirth": {"type": "string"},
                "additionalEmails": {"type": "array", "items": {"type": "string"}},
                "additionalPhones": {"type": "array", "items": {"type": "string"}},
                "assignedTo": {"type": "string"},
                "followers": {"type": "array", "items": {"type": "string"}},
                "validEmail": {"type": "boolean"},
                "opportunities": {"type": "array"},
                "searchAfter": {"type": "array", "minItems": 2, "maxItems": 2,
                                "prefixItems": [{"type": ["number", "string"]}, {"type": "string"}]},
            }}},
    }}


def spec():
    global _spec
    if _spec is None:
        with open(os.path.join(DATA_DIR, "contacts.openapi.json")) as f:
            _spec = json.load(f)
    return _spec


def _resolve(node, root, depth=0):
    """Inline local $refs, translate OpenAPI 'nullable' to JSON Schema."""
    if depth > 40:
        return {}
    if isinstance(node, list):
        return [_resolve(x, root, depth + 1) for x in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise KeyError("external $ref " + ref)
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        return _resolve(target, root, depth + 1)
    out = {}
    for k, v in node.items():
        if k in ("example", "examples", "description"):
            continue
        out[k] = _resolve(v, root, depth + 1)
    if out.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    out.pop("nullable", None)
    return out


def response_schema(method, path_tmpl, status):
    """The JSON Schema of (method, spec path, status), $refs resolved."""
    if status in ERROR_SCHEMAS and status >= 400:
        return ERROR_SCHEMAS[status]
    if path_tmpl == "/contacts/search" and method == "post":
        return SEARCH_SCHEMA
    op = spec()["paths"][path_tmpl][method]
    sch = op["responses"][str(status)]["content"]["application/json"]["schema"]
    return _resolve(sch, spec())


def validate(tap, method, path_tmpl, status, body, name):
    import jsonschema
    try:
        sch = response_schema(method.lower(), path_tmpl, status)
    except KeyError as e:
        return tap.ok(False, name + " (no schema: %s)" % e)
    try:
        jsonschema.Draft202012Validator(sch).validate(body)
        return tap.ok(True, name)
    except jsonschema.ValidationError as e:
        return tap.ok(False, name, "%s at %s" % (e.message, list(e.absolute_path)))
