"""Where the server may start synthesis while a turn's text streams in (flux §3.1, §8 item 3).

"The server places [segment] boundaries itself at sentence and clause boundaries" (flux §3.1):
``.``, ``!``, ``?``, ``;``, ``:``, ``…`` followed by whitespace, and ``—`` or a newline at
once. Commas do not cut: in the GA capture the first segment was the whole first sentence
"Sure, I can help you cancel your subscription." (46 billable characters, flux §3.5 item 5).
A boundary is never placed inside an unclosed ``{`` (an inline control still streaming in).
A segment longer than ``max_chars`` is cut at its last whitespace.
"""

from __future__ import annotations

_NEEDS_SPACE = frozenset(".!?;:…")
_AT_ONCE = frozenset("—\n")


def _open_brace(text: str, start: int, end: int) -> bool:
    depth = 0
    for ch in text[start:end]:
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
    return depth > 0


def _boundary_end(text: str, start: int) -> int | None:
    """Index just past the first boundary in ``text[start:]`` that is outside any ``{...}``
    (the whitespace after it starts the next segment)."""
    depth = 0
    for i in range(start, len(text)):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
        if depth:
            continue
        spaced = ch in _NEEDS_SPACE and i + 1 < len(text) and text[i + 1].isspace()
        if ch in _AT_ONCE or spaced:
            return i + 1
    return None


def next_segment_end(text: str, start: int, max_chars: int = 250) -> int | None:
    """End of the next complete segment of ``text`` beginning at ``start``, or None.

    Args:
        text: the turn's text received so far.
        start: where the next segment begins (text before it was handed to synthesis).
        max_chars: force a cut at the last whitespace once this many characters wait.
    """
    end = _boundary_end(text, start)
    if end is None and len(text) - start > max_chars:
        cut = text.rfind(" ", start, start + max_chars)
        if cut > start and not _open_brace(text, start, cut):
            return cut + 1
    return end
