"""Rendering benchmark: the hostile Markdown corpus at the longest field's limit.

Renders every pattern of ``tests/test_content_hostile.py`` at 40,000 characters
(a post body, the "post" profile) through ``render_markdown()``, a few times
each, and prints the time per pattern (the fastest run, which is the least
disturbed by other load on the machine, and the slowest), the worst pattern,
and the target from the hostile-input issue: any text up to 40,000 characters
renders in under 0.5 s. A normal post of the same length (the guide, repeated)
is timed alongside for scale.

Usage: ``make bench-markdown`` or ``.venv/bin/python bench/markdown.py --repeat 5``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this file's folder comes first on the path, and this file's
# name would hide the Markdown library from the code it measures.
sys.path[:] = [str(ROOT)] + [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

from community.content import render_markdown  # noqa: E402
from tests.test_content_hostile import HOSTILE  # noqa: E402

LENGTH = 40_000
PROFILE = "post"
TARGET_SECONDS = 0.5
GUIDE = ROOT / "community" / "data" / "guide.md"


def timed(text: str, repeat: int) -> tuple[float, float]:
    """Fastest and slowest of ``repeat`` renders of ``text``, in seconds."""
    runs = []
    for _ in range(repeat):
        started = time.process_time()
        render_markdown(text, PROFILE)
        runs.append(time.process_time() - started)
    return min(runs), max(runs)


def normal_post() -> str:
    """The guide (the owner's own Markdown) repeated to the post limit."""
    guide = GUIDE.read_text(encoding="utf-8")
    return (guide * (LENGTH // len(guide) + 1))[:LENGTH]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="renders per pattern")
    options = parser.parse_args()

    render_markdown("warm *up*", PROFILE)
    results = {name: timed(build(LENGTH), options.repeat) for name, build in HOSTILE.items()}
    normal = timed(normal_post(), options.repeat)

    width = max(map(len, results))
    print(f"{len(results)} hostile patterns, {LENGTH:,} characters, {PROFILE!r}, CPU seconds")
    print(f"{'pattern':<{width}}  fastest  slowest")
    for name, (fastest, slowest) in sorted(results.items(), key=lambda item: -item[1][0]):
        print(f"{name:<{width}}  {fastest:7.3f}  {slowest:7.3f}")
    print(f"{'(normal post: the guide, repeated)':<{width}}  {normal[0]:7.3f}  {normal[1]:7.3f}")

    worst_name, (worst, _) = max(results.items(), key=lambda item: item[1][0])
    ok = worst < TARGET_SECONDS
    print()
    print(f"worst: {worst_name!r} {worst:.3f} s ({worst / normal[0]:.1f} x a normal post)")
    print(f"[{'ok' if ok else 'MISSED'}] every pattern under {TARGET_SECONDS} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
