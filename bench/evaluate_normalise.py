"""Corpus evaluation: field accuracy of the normaliser over every fixture page.

Prints accuracy overall and per check (kind, agency, report_year, published, title,
text checks, flags, sections, tables, listing), the failures, and the ratchet floor
kept in tests/fixtures/normalise/accuracy_floor.json (tests fail below it).
``--update-floor`` raises the floor to today's figures; it never lowers it.

    .venv/bin/python bench/evaluate_normalise.py [--update-floor]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from normalise.evaluate import evaluate, load_cases

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
FLOOR = FIXTURES / "normalise" / "accuracy_floor.json"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update-floor", action="store_true")
    args = parser.parse_args()
    cases = load_cases(FIXTURES)
    score = evaluate(cases)
    print(f"{len(cases)} fixture pages, {score.total} checks")
    for check in sorted(score.by_check):
        n, bad = score.by_check[check], score.failed_by_check[check]
        print(f"  {check:18} {n - bad:4}/{n:<4} {100 * (n - bad) / n:6.1f}%")
    print(f"accuracy: {100 * score.accuracy:.2f}% ({score.passed}/{score.total})")
    for failure in score.failures:
        print(f"  FAIL {failure}")
    floor = json.loads(FLOOR.read_text(encoding="utf-8"))
    print(f"floor: {100 * floor['accuracy']:.2f}% over >= {floor['checks']} checks")
    if args.update_floor:
        if score.accuracy < floor["accuracy"]:
            print("below the floor: not updated", file=sys.stderr)
            return 1
        floor.update(accuracy=round(score.accuracy, 4), checks=max(score.total, floor["checks"]))
        FLOOR.write_text(json.dumps(floor, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print("floor updated")
    return 0 if score.accuracy >= floor["accuracy"] else 1


if __name__ == "__main__":
    sys.exit(main())
