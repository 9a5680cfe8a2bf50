"""Python-Markdown's emphasis (``*``, ``_``) without its two rescans of unclosed runs.

Upstream, an ambiguous run such as the ``**`` in ``a**b`` walks every unclosed
run before it looking for a partner of its length (``"*a " * 5000 + "a**b " *
5000`` takes seconds), and each region found pops the leftover runs off the
front of a list. Pairing is upstream's: the same text gives the same HTML.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from collections import Counter, deque

from markdown import inlinepatterns

#: How deep emphasis may nest (``*a *b *c ...``); deeper runs are plain text.
EMPHASIS_NESTING = 16


class _OpenerStack(deque):
    """A delimiter's unclosed runs, also counted by remaining length and original length mod 3.

    Entries are upstream's tuples: start, end, ambiguous, original length,
    remaining length. Upstream pushes and pops them at the end only.
    """

    def __init__(self):
        super().__init__()
        self.counts: Counter[tuple[int, int]] = Counter()

    def append(self, entry) -> None:
        super().append(entry)
        self.counts[entry[4], entry[3] % 3] += 1

    def pop(self):
        entry = super().pop()
        self.counts[entry[4], entry[3] % 3] -= 1
        return entry

    def clear(self) -> None:
        super().clear()
        self.counts.clear()

    def pairs_below_top(self, current: int) -> bool:
        """Whether a run under the top has ``current`` left and passes the rule of 3 with it.

        Upstream walks the whole stack for this, once per ambiguous run.
        """
        top = self[-1]
        for residue in range(3):
            if (residue + current) % 3 == 0 and (residue or current % 3):
                continue  # the rule of 3 forbids the pair
            below = self.counts[current, residue] - (top[4] == current and top[3] % 3 == residue)
            if below > 0:
                return True
        return False


class Emphasis(inlinepatterns.DelimiterProcessor):
    """Upstream's emphasis (``*`` and ``_``), with its two scans of unclosed runs made constant.

    ``handleMatch`` is upstream's (Python-Markdown 3.11, BSD licence) but for the
    rule-of-3 search, which asks the counting stack instead of walking it;
    ``increment_next_position`` reads the leftover runs through an index instead
    of ``list.pop(0)``.
    """

    def add(self, token: str, tags: str, smart: bool = False, double: bool = False) -> None:
        super().add(token, tags, smart, double)
        self.delimiters[token].stack = _OpenerStack()

    _leftover = 0

    def _build_element(self, data: str, start: int = 0, offset: int = 0):
        """Upstream's element, with what is nested deeper than ``EMPHASIS_NESTING`` as text."""
        element, count = super()._build_element(data, start, offset)
        pending = [(element, 1)]
        while pending:
            node, depth = pending.pop()
            if depth == EMPHASIS_NESTING and len(node):
                node.text = "".join(node.itertext())
                node[:] = []
            else:
                pending.extend((child, depth + 1) for child in node)
        return element, count

    def reset(self) -> None:
        super().reset()
        self._leftover = 0

    def increment_next_position(self, start: int, count: int) -> None:
        self.cache_index += count
        if self.cache_index < len(self.regions):
            self.cache_pos = self.regions[self.cache_index][0]
            while self._leftover < len(self.stack):
                entry = self.stack[self._leftover]
                self._leftover += 1
                if start < entry[0] <= self.cache_pos:
                    self.cache_pos = entry[0]
                    break
        else:
            self.reset()

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[etree.Element | None, int | None, int | None]:
        """Parse delimiter pattern."""

        # Do we have entries we haven't returned yet?
        if self.regions:
            return self.get_cached_result(m.start(0), data)

        # If token is not an opening, quit
        m2 = self.get_match(data, m.start(0))
        if m2 is None or m2.lastgroup[0] == "e":  # type: ignore[index]
            if m2 is None:
                delim = self.delimiters[m.group(0)]
                m2 = delim.bad.match(data, m.start(0))
            # Advance past the full length of the delimiter found
            return None, m2.start(0), m2.end(0)

        # Get the stack and regions
        token = data[m.start(0)]
        delim = self.delimiters[token]
        stack = delim.stack

        start = m2.start(0)
        end = m2.end(0)
        length = end - start

        # Double needs at least a size of 2
        if delim.double and length < 2:
            return None, m.start(0), m.end(0)

        is_ambiguous = m2.lastgroup[0] != "s"  # type: ignore[index]
        stack.append((start, start + length, is_ambiguous, length, length))

        # Pair tokens until the stack is empty or we can no longer find tokens.
        while any(d.stack for d in self.delimiters.values()):
            m2 = self.search(data, end)
            if m2 is None:
                break

            token = data[m2.start(0)]
            delim = self.delimiters[token]
            stack = delim.stack

            start = m2.start(0)
            end = m2.end(0)

            # Get current and last delimiter size
            current = len(m2.group(0))

            # Some delimiters may be ambiguous and look like both a start or an end
            is_start = m2.lastgroup[0] != "e"  # type: ignore[index]
            is_end = not is_start or m2.lastgroup[0] != "s"  # type: ignore[index]
            is_ambiguous = is_start and is_end

            last = stack[-1][-1] if stack else 0

            # Rule of 3: an ambiguous delimiter cannot pair with an open delimiter if the sum of the
            # original lengths is a multiple of 3 (unless both are multiples of 3).
            if (
                stack
                and is_ambiguous
                and current != last
                and self.rule_of_3(stack[-1][3], current)
                and stack.pairs_below_top(current)
            ):
                last = current

            # Find closing tokens
            # Looking for:
            # - `*em*`
            # - `**strong**`
            # - `***strong,em***`
            # - `*em**`
            # - `*em***`
            # - `**strong***`
            #
            # Avoid ambiguous tokens that could be a start or an end.
            # Consume starts until the end token is fully consumed.
            # If we don't consume the entire end, see if next rule consumes it.
            if (
                stack
                and is_end
                and (
                    (
                        current > last
                        and (not is_ambiguous or not self.rule_of_3(stack[-1][3], current))
                    )
                    or current == last
                    or current >= 3
                )
            ):
                is_start = False

                # Consume previous points until the delimiter is consumed
                original = current
                while stack and current and last <= current:
                    delimiter = stack.pop()

                    # Build up region for pair and adjust accounting.
                    size = min(
                        delimiter[-1],
                        1 if delim.tag_count == 2 and delimiter[-1] == 3 else delim.max_size,
                    )
                    self.add_region(
                        delim, delimiter[1] - size, delimiter[1], start, start + size, size
                    )
                    start += size
                    current -= size
                    new = 0
                    if size < delimiter[-1] and (not delim.double or (delimiter[-1] - size) != 1):
                        new = delimiter[-1] - size
                        stack.append(
                            (delimiter[0], delimiter[1] - size, delimiter[2], delimiter[3], new)
                        )

                    if not stack:
                        if any(d.stack for d in self.delimiters.values() if d is not delim):
                            delim.reset()
                            continue
                        is_end = False
                        break

                    last = stack[-1][-1]

                # Should remainder be treated as a new start?
                if original >= 3 and current and is_ambiguous:
                    delim.stack.append(
                        (m2.start(0) + (original - current), end, False, original, current)
                    )
                    is_end = False

                # Do we still have more to consume?
                else:
                    is_end = current and stack and last > current

            # Looking for:
            # - `***em*`
            # - `***strong**`
            # - `**em*`
            if stack and is_end and (last >= 3 or not is_ambiguous) and last > current:
                delimiter = stack.pop()

                # Don't pair with an ambiguous opening
                while stack and delimiter[-1] != 3 and delimiter[2]:
                    delimiter = stack.pop()
                    last = delimiter[-1]

                if delimiter[2] and delimiter[-1] != 3:
                    if any(d.stack for d in self.delimiters.values() if d is not delim):
                        delim.reset()
                        continue
                    break

                # Create new regions
                is_start = False
                ds, de = delimiter[:2]
                while current and (not delim.double or current != 1):
                    size = min(
                        current, 1 if delim.tag_count == 2 and current == 3 else delim.max_size
                    )
                    new = last - size
                    self.add_region(delim, ds + new, de, start, start + size, size)
                    start += size
                    current -= size
                    last -= size
                    de -= size
                if last and (not delim.double or last > 1):
                    stack.append((ds, de, False, delimiter[3], last))

            # Find opening tokens
            # Looking for:
            # - `*em ...*`
            # - `**strong ...*`
            # - `***em ...*`
            if is_start and (not delim.double or current != 1):
                stack.append((start, end, is_ambiguous, current, current))

        # Combine the stacks and order them
        for delim in self.delimiters.values():
            self.stack.extend(delim.stack)
        self.stack.sort(key=lambda x: x[0])

        # Build the HTML elements
        if self.regions:
            # Regions may be out of order.
            self.regions.sort(key=lambda x: x[0])
            start, end = self.regions[0][0], self.regions[0][3]
            el, count = self._build_element(data)
            self.increment_next_position(start, count)
            return el, start, end

        # We failed to pair any valid start/end delimiters, avoid the parsed range next pass.
        start = m.start(0)
        end = self.stack[-1][1] if self.stack else m.end(0)
        self.reset()
        return None, start, end
