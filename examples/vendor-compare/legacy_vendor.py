#!/usr/bin/env python3
"""The current (legacy) system of the example: a 国保 package with its own dialect — Japanese
romanised paths and field names, an answer envelope `{"status": "0000", "kekka": …}` and
errors `{"status": "E404", "message": …, "koumoku": …}` — in front of an `nhikit serve` that
plays its engine. legacy.toml maps the dialect back to nhikit's target interface.

    python3 legacy_vendor.py --port 18081 --upstream http://127.0.0.1:8081
"""

import json
import urllib.parse

from upstream import Quiet, read_body, reply, serve

# The package's error codes and HTTP statuses for the target interface's codes (legacy.toml's
# [errors] maps them back).
CODES = {
    "invalid_request": ("E400", 400),
    "not_found": ("E404", 404),
    "conflict": ("E409", 409),
    "not_insured": ("E431", 422),
    "no_rates": ("E432", 422),
    "rules": ("E433", 422),
    "import_rejected": ("E441", 422),
    "io": ("E500", 500),
    "storage": ("E501", 500),
}


def present(**fields):
    """The fields that were given (the interface leaves absent ones out)."""
    return {k: v for k, v in fields.items() if v is not None}


class Legacy(Quiet):
    def answer(self, op, request):
        ok, value = self.upstream.call(op, request)
        if ok:
            return reply(self, 200, {"status": "0000", "kekka": value})
        code, status = CODES.get(value.get("code"), ("E501", 500))
        body = {"status": code, "message": value.get("message", "")}
        if value.get("item") is not None:
            body["koumoku"] = value["item"]
        if value.get("rejections"):
            body["kyohi"] = value["rejections"]
        return reply(self, status, body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        parts = [urllib.parse.unquote(p) for p in url.path.strip("/").split("/")]
        if parts[:2] == ["kokuho", "v1"] and len(parts) == 5 and parts[2] == "setai":
            return self.answer(
                "lookup_household",
                {"lgcode": parts[3], "household_number": parts[4], "as_of": q.get("kijunbi")},
            )
        if parts[:2] == ["kokuho", "v1"] and len(parts) == 5 and parts[2] == "atena":
            return self.answer(
                "lookup_person",
                {"lgcode": parts[3], "address_number": parts[4], "as_of": q.get("kijunbi")},
            )
        return reply(self, 404, {"status": "E404", "message": "no route " + url.path})

    def do_POST(self):
        body = read_body(self)
        if self.path == "/kokuho/v1/ikkatsu":
            status, _, out = self.upstream.raw(
                "import", body, self.headers.get("Content-Type", ""), "application/json"
            )
            value = json.loads(out) if out else {}
            if 200 <= status < 300:
                return reply(self, 200, {"status": "0000", "kekka": value})
            code, status = CODES.get(value.get("code"), ("E501", 500))
            return reply(self, status, {"status": code, "message": value.get("message", ""),
                                        "kyohi": value.get("rejections", [])})
        if self.path == "/kokuho/v1/shutsuryoku":
            status, ctype, out = self.upstream.raw(
                "export", body, "application/json", "application/x-tar"
            )
            return reply(self, status, out, ctype)
        try:
            r = json.loads(body or b"{}")
        except ValueError:
            return reply(self, 400, {"status": "E400", "message": "body is not JSON"})
        if self.path == "/kokuho/v1/fuka":
            return self.answer("assess", present(
                lgcode=r.get("dantai"), household_number=r.get("setai"),
                fiscal_year=r.get("nendo"), rates=r.get("ryoritsu"),
                incomes=r.get("shotoku"), specified_household=r.get("tokutei")))
        if self.path == "/kokuho/v1/futan":
            return self.answer("copay_ratio", present(
                lgcode=r.get("dantai"), address_number=r.get("atena"),
                service_date=r.get("shinryobi"), income=r.get("kourei")))
        if self.path == "/kokuho/v1/shikakusho":
            return self.answer("issue_certificate", present(
                lgcode=r.get("dantai"), address_number=r.get("atena"),
                issue_date=r.get("kofubi")))
        if self.path == "/kokuho/v1/kogaku":
            return self.answer("high_cost_limit", r)
        if self.path == "/kokuho/v1/shokika":
            return self.answer("reset", {})
        return reply(self, 404, {"status": "E404", "message": "no route " + self.path})


if __name__ == "__main__":
    serve(Legacy, "legacy vendor (国保パッケージ 旧)")
