#!/usr/bin/env python3
"""Reports the guardrail scenario catalog against the test results (trx files) of a guardrail run.

usage: guardrails-report.py CATALOG RESULTS_DIR REPORT_MD

A scenario is run by the catalog theory of its layer (its test name carries `(id: "ID")`) or by the test its `test`
field names (a substring of the reported test name; `*` matches anything). It held when at least one matching test
ran and every matching test passed; it FAILED when a matching test failed (counted as bypassed: a failure is not
proof the guardrail held, even when it is a timeout; the report shows the first line of the error); otherwise it did
not run.
Prints the table and "N scenarios, N held, N bypassed"; writes the same as Markdown; exits 1 unless all held.
"""
import datetime
import fnmatch
import glob
import json
import os
import platform
import sys
import xml.etree.ElementTree as ET

NS = "{http://microsoft.com/schemas/VisualStudio/TeamTest/2010}"


def results_of(directory):
    tests = []
    for trx in sorted(glob.glob(os.path.join(directory, "**", "*.trx"), recursive=True)):
        for result in ET.parse(trx).getroot().iter(NS + "UnitTestResult"):
            message = result.find(f"{NS}Output/{NS}ErrorInfo/{NS}Message")
            error = (message.text or "").strip().splitlines()[0] if message is not None and message.text else ""
            tests.append((result.get("testName"), result.get("outcome"), error))
    return tests


def pattern_of(scenario):
    text = scenario.get("test") or f'(id: "{scenario["id"]}")'
    escaped = "".join("[" + c + "]" if c in "[]?" else c for c in text)
    return f"*{escaped}*"


def main(catalog_path, results_dir, report_path):
    catalog = json.load(open(catalog_path, encoding="utf-8"))
    categories, scenarios = catalog["categories"], catalog["scenarios"]
    problems = []
    ids = [s["id"] for s in scenarios]
    problems += [f"scenario id {i} appears more than once" for i in sorted({i for i in ids if ids.count(i) > 1})]
    problems += [f"{s['id']}: unknown category '{s['category']}'" for s in scenarios if s["category"] not in categories]
    problems += [f"category '{c}' has no scenario" for c in categories if not any(s["category"] == c for s in scenarios)]
    problems += [f"{s['id']}: neither a test nor a layer runs it" for s in scenarios if not s.get("test") and not s.get("layer")]

    tests = results_of(results_dir)
    if not tests:
        problems.append(f"no test results (*.trx) under {results_dir}")
    rows, used = [], set()
    for s in scenarios:
        matched = [t for t in tests if fnmatch.fnmatchcase(t[0], pattern_of(s))]
        used.update(t[0] for t in matched)
        failed = [t for t in matched if t[1] not in ("Passed", "NotExecuted")]
        if failed:
            result = "FAILED: " + (failed[0][2][:160] or failed[0][1])
        elif matched and all(t[1] == "Passed" for t in matched):
            result = "held"
        else:
            result = "NOT RUN"
        rows.append((s["id"], s["category"], s["expected"], result, len(matched)))

    held = sum(r[3] == "held" for r in rows)
    bypassed = sum(r[3].startswith("FAILED") for r in rows)
    not_run = sum(r[3] == "NOT RUN" for r in rows)
    others = [t for t in tests if t[0] not in used]
    others_failed = [t for t in others if t[1] != "Passed"]
    summary = f"{len(rows)} scenarios, {held} held, {bypassed} bypassed" + (f", {not_run} not run" if not_run else "")

    width = max(len(r[2]) for r in rows)
    print(f"{'id':<8} {'category':<23} {'expected decision':<{min(width, 100)}} result")
    for r in rows:
        print(f"{r[0]:<8} {r[1]:<23} {r[2][:100]:<{min(width, 100)}} {r[3]}")
    print(f"also ran {len(others)} other guardrail-tagged test case(s) (rows of the same theories), {len(others_failed)} failed")
    for t in others_failed:
        print(f"  FAILED: {t[0]}: {t[2]}")
    for p in problems:
        print(f"catalog problem: {p}")

    by_category = {c: sum(s["category"] == c for s in scenarios) for c in categories}
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Guardrail suite",
        "",
        f"Run {now} on {platform.node()} ({os.cpu_count()} cores) by `scripts/guardrails.sh`: the tests tagged "
        "`Category=Guardrail`, reported against `tests/guardrails/scenarios.json`.",
        "",
        f"**{summary}.**",
        "",
        "| category | scenarios |",
        "|---|---|",
        *[f"| {c} ({categories[c]}) | {n} |" for c, n in by_category.items()],
        "",
        "| id | category | expected decision | result |",
        "|---|---|---|---|",
        *[f"| {r[0]} | {r[1]} | {r[2].replace('|', '/')} | {r[3]} |" for r in rows],
        "",
        f"Also ran {len(others)} other guardrail-tagged test cases (rows of the same theories); {len(others_failed)} failed.",
        *[f"- FAILED: `{t[0]}`: {t[2]}" for t in others_failed],
        *[f"- catalog problem: {p}" for p in problems],
        "",
    ]
    os.makedirs(os.path.dirname(report_path), exist_ok=True)
    with open(report_path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines))
    print(summary)
    return 0 if held == len(rows) and not others_failed and not problems else 1


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
