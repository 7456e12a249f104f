#!/usr/bin/env python3
"""A Python testee speaking nhikit's process protocol (standard library only).

nhikit starts this program and writes one request per line on its stdin:

    {"id": 1, "op": "copay_ratio", "request": {...}}

and reads exactly one reply line per request on its stdout, in order:

    {"id": 1, "response": {...}}      or      {"id": 1, "error": {"code": "...", "message": "..."}}

It stands for a system being moved onto nhikit one operation at a time: `copay_ratio` (負担割合)
is computed here, in Python, from the rules of 国民健康保険法第42条 — the catalog's copay
scenarios test this code, not nhikit's — and every other operation (import, lookups,
assessments, ...) is passed to nhikit's reference target (`nhikit serve --stdio`, found through
NHIKIT_BIN, which nhikit sets for the programs it starts, or on PATH). The person's birth date
and qualification come from the reference through `lookup_person`, as a real adapter would read
them from its own database. Run it with

    nhikit conform --target "process:python3 examples/python-testee/testee.py"

Anything for humans goes to stderr: stdout carries the protocol only.
"""

import datetime
import json
import os
import subprocess
import sys


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


class Reference:
    """nhikit's reference target as a child process speaking the same protocol."""

    def __init__(self):
        program = os.environ.get("NHIKIT_BIN") or "nhikit"
        self.child = subprocess.Popen(
            [program, "serve", "--stdio"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        self.next_id = 1 << 40

    def forward(self, message):
        """The reference's reply line to `message`, as a dict."""
        self.child.stdin.write(json.dumps(message, ensure_ascii=False) + "\n")
        self.child.stdin.flush()
        line = self.child.stdout.readline()
        if not line:
            raise TargetError("io", "nhikit serve --stdio ended without answering", message.get("op"))
        return json.loads(line)

    def call(self, op, request):
        """The response of one operation of our own, or TargetError with the reference's error."""
        self.next_id += 1
        reply = self.forward({"id": self.next_id, "op": op, "request": request})
        if "error" in reply:
            e = reply["error"]
            raise TargetError(e.get("code", "io"), e.get("message", ""), e.get("item"))
        return reply["response"]

    def close(self):
        self.child.stdin.close()
        self.child.wait(timeout=10)


# --- 負担割合 (国民健康保険法第42条第1項) -------------------------------------------------

EARLIEST = datetime.date(2019, 4, 1)  # the 70–74 1割 特例 ran until 2019-03-31
GENEKI_TAXABLE = 1_450_000  # 現役並み: 住民税課税所得 of a 70–74 member ≥ 145万円
GENEKI_BASIC_INCOME = 2_100_000  # ... unless their 基礎控除後の総所得金額等 total ≤ 210万円
REVENUE_SINGLE = 3_830_000  # ... or 収入 < 383万円 (one 70–74 member)
REVENUE_PAIR = 5_200_000  # ... or 収入 < 520万円 (two people)


def birthday(birth, age):
    """The `age`th birthday; a 2/29 birth has it on 3/1 in a common year."""
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return datetime.date(birth.year + age, 3, 1)


def reaching(birth, age):
    """The day a person reaches `age`: the day before the birthday (年齢計算ニ関スル法律)."""
    return birthday(birth, age) - datetime.timedelta(days=1)


def age_on(birth, day):
    """Legal age on `day`: the age is reached on the day before the birthday."""
    age = max(day.year - birth.year - 1, 0)
    while reaching(birth, age + 1) <= day:
        age += 1
    return age


def kourei_category(income):
    """一般 or 現役並み for a 70–74 household (the 収入 test applied as if applied for)."""
    members = income.get("kourei_members", 0)
    if members == 0:
        raise TargetError(
            "invalid_request",
            "a 70–74 person is in the household, so it must be at least 1",
            "income.kourei_members",
        )
    if income.get("taxable_income_max", 0) < GENEKI_TAXABLE:
        return "kourei_ippan"
    basic = income.get("basic_income_total")
    if basic is not None and basic <= GENEKI_BASIC_INCOME:
        return "kourei_ippan"
    kourei = income.get("revenue_kourei_total", 0)
    if members == 1:
        saved = kourei < REVENUE_SINGLE or (
            income.get("former_koki_members", 0) > 0
            and kourei + income.get("revenue_former_total", 0) < REVENUE_PAIR
        )
    else:
        saved = kourei < REVENUE_PAIR
    return "kourei_ippan" if saved else "kourei_geneki_nami"


def ratio_of(birth, day, income):
    """(ratio, category) of a person born on `birth` for care on `day`."""
    if day < birth:
        raise TargetError("invalid_request", f"{day} is before the birth date {birth}", "service_date")
    if day < EARLIEST:
        raise TargetError(
            "invalid_request",
            f"{day} is before 2019-04-01; the earlier 70–74 1割 特例 is not modelled",
            "service_date",
        )
    # 後期高齢者医療 from the 75th birthday: no NHI ratio.
    if day >= birthday(birth, 75):
        return None, "koki_koreisha"
    # 未就学: 2割 up to the first March 31 on or after the day the child reaches 6.
    six = reaching(birth, 6)
    mishugaku = datetime.date(six.year if (six.month, six.day) <= (3, 31) else six.year + 1, 3, 31)
    if day <= mishugaku:
        return "2割", "mishugaku"
    # 高齢受給者 from the 1st of the month after the month containing the day of reaching 70.
    seventy = reaching(birth, 70)
    kourei = datetime.date(seventy.year + seventy.month // 12, seventy.month % 12 + 1, 1)
    if day < kourei:
        return "3割", "general"
    category = kourei_category(income)
    return ("3割" if category == "kourei_geneki_nami" else "2割"), category


def copay_ratio(request, reference):
    try:
        lgcode, number = request["lgcode"], request["address_number"]
        day = datetime.date.fromisoformat(request["service_date"])
    except (KeyError, TypeError, ValueError) as e:
        raise TargetError("invalid_request", f"bad copay request: {e}", "service_date")
    income = request.get("income") or {}
    query = {"lgcode": lgcode, "address_number": number, "as_of": day.isoformat()}
    try:
        person = reference.call("lookup_person", query)
    except TargetError as e:
        if e.code != "not_found":
            raise
        # Unknown, or not yet born on that day: ask again as of the far future.
        reference.call("lookup_person", {**query, "as_of": "9999-12-31"})
        raise TargetError("not_insured", f"not insured on {day}", "service_date")
    if not person["insured"]:
        raise TargetError("not_insured", f"not insured on {day}", "service_date")
    birth = datetime.date.fromisoformat(person["person"]["birth_date"])
    ratio, category = ratio_of(birth, day, income)
    return {"ratio": ratio, "category": category, "age": age_on(birth, day)}


# Operations this testee answers itself; the rest go to the reference.
MINE = {"copay_ratio": copay_ratio}


def main():
    reference = Reference()
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
            rid, handler = message.get("id", 0), MINE.get(message.get("op"))
            try:
                if handler is None:
                    reply = reference.forward(message)
                else:
                    reply = {"id": rid, "response": handler(message.get("request") or {}, reference)}
            except TargetError as e:
                reply = {"id": rid, "error": e.to_json()}
        sys.stdout.write(json.dumps(reply, ensure_ascii=False) + "\n")
        sys.stdout.flush()
    # nhikit closed our stdin: the session is over.
    reference.close()


if __name__ == "__main__":
    main()
