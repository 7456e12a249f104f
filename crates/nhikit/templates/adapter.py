#!/usr/bin/env python3
"""The adapter between nhikit and your system: nhikit's process protocol on stdin/stdout
(docs/adapter-protocol.md), standard library only.

nhikit starts this program (target.toml: kind = "process") and writes one request per line:

    {"id": 7, "op": "lookup_person", "request": {"lgcode": "131016", ...}}

and reads exactly one reply line per request, in order:

    {"id": 7, "response": {...}}   or   {"id": 7, "error": {"code": "not_found", "message": "..."}}

As written, every operation is delegated to nhikit's own reference target (`nhikit serve
--stdio`), so `nhikit conform --target target.toml` passes before you write a line. Wire in
your system one operation at a time: add a function to MY_SYSTEM that calls your API or
database and returns the response object of docs/target-interface.md, or raises TargetError.
Operations not in MY_SYSTEM keep going to the reference.

`reset` is the test hook nhikit calls before each scenario: it must remove every record your
test system holds (or raise TargetError("unsupported", ...) if it cannot).

Anything for humans goes to stderr: stdout carries the protocol only.
"""

import json
import os
import subprocess
import sys


class TargetError(Exception):
    """An error reply: `code` is an error code of docs/target-interface.md (`not_found`,
    `conflict`, `invalid_request`, `not_insured`, `unsupported`, ...)."""

    def __init__(self, code, message, item=None):
        super().__init__(message)
        self.code, self.message, self.item = code, message, item

    def to_json(self):
        e = {"code": self.code, "message": self.message}
        if self.item is not None:
            e["item"] = self.item
        return e


# Your system, operation by operation: op name -> function(request dict) -> response dict.
# For example:
#
# def lookup_person(request):
#     row = my_api.get_person(request["lgcode"], request["address_number"], request["as_of"])
#     if row is None:
#         raise TargetError("not_found", "no such person", "address_number")
#     return {"person": {...}, "insured": True, "qualification": {...}}
#
# MY_SYSTEM = {"lookup_person": lookup_person}
MY_SYSTEM = {}


class Reference:
    """nhikit's reference target as a child process speaking the same protocol; started on
    the first operation that MY_SYSTEM does not answer. nhikit tells its own path in
    NHIKIT_BIN; otherwise `nhikit` is taken from PATH."""

    def __init__(self):
        program = os.environ.get("NHIKIT_BIN") or "nhikit"
        self.child = subprocess.Popen(
            [program, "serve", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def forward(self, message):
        self.child.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
        self.child.stdin.flush()
        line = self.child.stdout.readline()
        if not line:
            raise TargetError("io", "nhikit serve --stdio ended without answering", message.get("op"))
        return json.loads(line)

    def close(self):
        self.child.stdin.close()
        self.child.wait(timeout=10)


def answer(message, reference):
    """The reply object for one request."""
    rid = message.get("id", 0)
    op, request = message.get("op"), message.get("request")
    handler = MY_SYSTEM.get(op)
    try:
        if handler is None:
            return reference().forward(message)
        return {"id": rid, "response": handler(request)}
    except TargetError as e:
        return {"id": rid, "error": e.to_json()}


def main():
    started = []

    def reference():
        if not started:
            started.append(Reference())
        return started[0]

    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            reply = {"id": 0, "error": {"code": "invalid_request", "item": "line",
                                        "message": f"not a request line: {e}"}}
        else:
            reply = answer(message, reference)
        sys.stdout.write(json.dumps(reply, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    # nhikit closed our stdin: the session is over.
    if started:
        started[0].close()


if __name__ == "__main__":
    main()
