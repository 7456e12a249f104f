#!/usr/bin/env python3
"""The new (standard-spec) system of the example: a cloud service with its own dialect —
REST resources in English camelCase, an answer envelope `{"data": …, "meta": …}` and errors
`{"errors": [{"type": "NotFound", "title": …, "field": …}]}` — in front of an `nhikit serve`
that plays its engine. new.toml maps the dialect back to nhikit's target interface.

    python3 new_vendor.py --port 18082 --upstream http://127.0.0.1:8082
"""

import json
import urllib.parse

from upstream import Quiet, read_body, reply, serve

# The service's error types and HTTP statuses (new.toml's [errors] maps them back).
TYPES = {
    "invalid_request": ("BadRequest", 400),
    "not_found": ("NotFound", 404),
    "conflict": ("Conflict", 409),
    "not_insured": ("NotInsured", 422),
    "no_rates": ("NoRateSet", 422),
    "rules": ("RuleViolation", 422),
    "import_rejected": ("ImportRejected", 422),
    "io": ("Unavailable", 503),
    "storage": ("Internal", 500),
}
META = {"service": "std-cloud", "apiVersion": "2"}


def present(**fields):
    return {k: v for k, v in fields.items() if v is not None}


def error(value):
    kind, status = TYPES.get(value.get("code"), ("Internal", 500))
    e = {"type": kind, "title": value.get("message", "")}
    if value.get("item") is not None:
        e["field"] = value["item"]
    if value.get("rejections"):
        e["rejections"] = value["rejections"]
    return status, {"errors": [e], "meta": META}


class New(Quiet):
    def answer(self, op, request):
        ok, value = self.upstream.call(op, request)
        if ok:
            return reply(self, 200, {"data": value, "meta": META})
        return reply(self, *error(value))

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/")]
        if parts[:2] == ["api", "v2"] and len(parts) == 5 and parts[2] == "households":
            return self.answer(
                "lookup_household",
                {"lgcode": parts[3], "household_number": parts[4], "as_of": q.get("asOf")},
            )
        if parts[:2] == ["api", "v2"] and len(parts) == 5 and parts[2] == "people":
            return self.answer(
                "lookup_person",
                {"lgcode": parts[3], "address_number": parts[4], "as_of": q.get("asOf")},
            )
        return reply(self, *error({"code": "not_found", "message": "no route " + url.path}))

    def do_POST(self):
        body = read_body(self)
        if self.path == "/api/v2/bulk/import":
            status, _, out = self.upstream.raw(
                "import", body, self.headers.get("Content-Type", ""), "application/json"
            )
            value = json.loads(out) if out else {}
            if 200 <= status < 300:
                return reply(self, 200, {"data": value, "meta": META})
            return reply(self, *error(value))
        if self.path == "/api/v2/bulk/export":
            status, ctype, out = self.upstream.raw(
                "export", body, "application/json", "application/x-tar"
            )
            return reply(self, status, out, ctype)
        try:
            r = json.loads(body or b"{}")
        except ValueError:
            return reply(self, *error({"code": "invalid_request", "message": "body is not JSON"}))
        if self.path == "/api/v2/premiums/assessments":
            return self.answer("assess", present(
                lgcode=r.get("municipality"), household_number=r.get("household"),
                fiscal_year=r.get("fiscalYear"), rates=r.get("rateSet"),
                incomes=r.get("incomes"), specified_household=r.get("specifiedHousehold")))
        if self.path == "/api/v2/copay-ratios":
            return self.answer("copay_ratio", present(
                lgcode=r.get("municipality"), address_number=r.get("person"),
                service_date=r.get("serviceDate"), income=r.get("elderlyIncome")))
        if self.path == "/api/v2/certificates":
            return self.answer("issue_certificate", present(
                lgcode=r.get("municipality"), address_number=r.get("person"),
                issue_date=r.get("issueDate")))
        if self.path == "/api/v2/high-cost/evaluations":
            return self.answer("high_cost_limit", r)
        if self.path == "/api/v2/admin/reset":
            return self.answer("reset", {})
        return reply(self, *error({"code": "not_found", "message": "no route " + self.path}))


if __name__ == "__main__":
    serve(New, "new vendor (標準準拠クラウド)")
