#!/usr/bin/env python3
"""A toy target speaking nhikit's process protocol (standard library only).

nhikit starts this program and writes one request per line on its stdin:

    {"id": 1, "op": "register_event", "request": {...}}

and reads exactly one reply line per request on its stdout, in order:

    {"id": 1, "response": {...}}      or      {"id": 1, "error": {"code": "...", "message": "..."}}

This toy keeps the persons it is told about by `register_event` (資格取得 / 喪失 / 変更) in memory
and answers `lookup_person` for them, and `reset` (the test hook that forgets everything);
every other operation is answered with a well-formed error. A real system would call its own API or database here. Run it with

    nhikit conform --target "process:python3 examples/python-testee/testee.py" ...

Anything for humans goes to stderr: stdout carries the protocol only.
"""

import json
import sys

# (lgcode, address_number) -> the person and the qualifications registered for them.
PEOPLE = {}


class TargetError(Exception):
    """An error reply: code is one of the ErrorCode names of docs/target-interface.md."""

    def __init__(self, code, message, item=None):
        super().__init__(message)
        self.code, self.message, self.item = code, message, item

    def to_json(self):
        e = {"code": self.code, "message": self.message}
        if self.item is not None:
            e["item"] = self.item
        return e


def need(request, key):
    value = request.get(key)
    if not isinstance(value, str) or not value:
        raise TargetError("invalid_request", f"`{key}` is required", key)
    return value


def qualification(p, q):
    """A Qualification object (docs/target-interface.md) from what the toy holds."""
    return {
        "seq": q["seq"],
        "insurer_number": "00" + p["lgcode"][:4],
        "household_number": p["household_number"],
        "insured_symbol": None,
        "insured_number": p["address_number"][-8:],
        "edaban": "00",
        "name": p["name"],
        "name_kana": p["name_kana"],
        "acquisition_date": q["acquisition_date"],
        "acquisition_reason": q["acquisition_reason"],
        "loss_date": q["loss_date"],
        "loss_reason": q["loss_reason"],
    }


def in_force(q, day):
    # ISO dates compare as strings.
    return q["acquisition_date"] <= day and (q["loss_date"] is None or day < q["loss_date"])


def register_event(request):
    key = (need(request, "lgcode"), need(request, "address_number"))
    kind, day = need(request, "kind"), need(request, "date")
    p = PEOPLE.setdefault(key, {
        "lgcode": key[0], "address_number": key[1], "household_number": "0000000001",
        "name": "テスト　太郎", "name_kana": "テスト　タロウ", "quals": [],
    })
    quals = p["quals"]
    if kind == "acquisition":
        if any(q["loss_date"] is None for q in quals):
            raise TargetError("conflict", "a qualification is already open", "kind")
        q = {"seq": len(quals) + 1, "acquisition_date": day,
             "acquisition_reason": request.get("reason") or "01", "loss_date": None,
             "loss_reason": None}
        quals.append(q)
    elif kind == "loss":
        open_quals = [q for q in quals if q["loss_date"] is None]
        if not open_quals:
            raise TargetError("conflict", "no open qualification to lose", "kind")
        q = open_quals[0]
        q["loss_date"], q["loss_reason"] = day, request.get("reason") or "11"
    elif kind == "change":
        if not quals:
            raise TargetError("not_found", f"person {key[0]}/{key[1]} does not exist",
                              "address_number")
        p["name"] = request.get("name") or p["name"]
        p["name_kana"] = request.get("name_kana") or p["name_kana"]
        q = quals[-1]
    else:
        raise TargetError("invalid_request", f"unknown event kind {kind!r}", "kind")
    return {"qualification": qualification(p, q)}


def lookup_person(request):
    key = (need(request, "lgcode"), need(request, "address_number"))
    day = need(request, "as_of")
    p = PEOPLE.get(key)
    if p is None:
        raise TargetError("not_found", f"person {key[0]}/{key[1]} does not exist",
                          "address_number")
    q = next((q for q in p["quals"] if in_force(q, day)), None)
    person = {
        "lgcode": p["lgcode"], "address_number": p["address_number"],
        "household_number": p["household_number"], "mynumber": None, "name": p["name"],
        "name_kana": p["name_kana"], "birth_date": "1980-04-01", "sex": "1",
        "relationship": "02", "death_date": None,
    }
    return {"person": person, "insured": q is not None,
            "qualification": qualification(p, q) if q else None}


def reset(request):
    """The test hook `nhikit conform` calls before each scenario: forget everything."""
    removed = len(PEOPLE)
    PEOPLE.clear()
    return {"removed": {"person": removed}}


OPERATIONS = {"register_event": register_event, "lookup_person": lookup_person, "reset": reset}


def answer(line):
    """The reply object for one request line."""
    message = None
    try:
        message = json.loads(line)
        rid = message["id"]
        op, request = message["op"], message["request"]
    except (ValueError, KeyError, TypeError) as e:
        rid = message.get("id", 0) if isinstance(message, dict) else 0
        return {"id": rid, "error": {"code": "invalid_request", "item": "request",
                                     "message": f"not a request line: {e}"}}
    try:
        handler = OPERATIONS.get(op)
        if handler is None:
            raise TargetError("invalid_request", f"this toy testee does not implement `{op}`",
                              "op")
        return {"id": rid, "response": handler(request)}
    except TargetError as e:
        return {"id": rid, "error": e.to_json()}


def main():
    print("testee: ready", file=sys.stderr)
    while True:
        line = sys.stdin.readline()
        if not line:  # nhikit closed our stdin: we are done.
            return
        if line.strip():
            sys.stdout.write(json.dumps(answer(line), ensure_ascii=False) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
