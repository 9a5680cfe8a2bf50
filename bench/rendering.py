"""Rendering benchmark: the hostile Markdown corpus at 40,000 characters, worst case first.

Renders every pattern of ``tests/test_content_hostile.py`` at the post body's limit
(40,000 characters, the "post" profile) and at the comment's (10,000, "comment"), three
times each, and prints the slowest time per pattern and overall. Target: every input up to
40,000 characters renders in under 0.5 s. Usage: ``make bench`` or
``.venv/bin/python bench/rendering.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from community.content import render_markdown  # noqa: E402
from tests.test_content_hostile import HOSTILE  # noqa: E402

TARGET_SECONDS = 0.5
CASES = [(40_000, "post"), (10_000, "comment")]


def worst_time(text: str, profile: str, rounds: int = 3) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        render_markdown(text, profile)
        times.append(time.perf_counter() - started)
    return max(times)


def main() -> int:
    results = []
    for name, build in HOSTILE.items():
        for length, profile in CASES:
            results.append((worst_time(build(length), profile), name, length, profile))
    results.sort(reverse=True)
    print(f"{'seconds':>8}  {'chars':>6}  profile  pattern")
    for seconds, name, length, profile in results:
        print(f"{seconds:8.3f}  {length:6}  {profile:7}  {name}")
    seconds, name, length, _ = results[0]
    print(f"\nworst: {seconds:.3f} s ({name}, {length:,} characters)", end="")
    print(f"; target < {TARGET_SECONDS} s")
    return 0 if seconds < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
