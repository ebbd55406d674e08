"""Inline controls in ``Speak`` text and character counting (flux §2.2 Speak, §3.9, §2.3).

* Pronunciation (Early Access): ``{"word": "...", "pronounce": "<IPA>"}`` (the docs print it
  with MDX escapes, ``\\{...\\}``; both forms are read). Allowed on the socket only at speed
  1.0; IPA over 128 characters or over 10x the word (floor 15) -> ``PRONUNCIATION_TOO_LONG``;
  more than 500 in a turn -> ``PRONUNCIATIONS_LIMIT_EXCEEDED``; IPA with ASCII digits or
  brackets -> ``PRONUNCIATION_WARNINGS`` (an emulator's stand-in for "invalid IPA").
* Pause ``{pause:500ms}``: batch only; on the socket a fatal ``DATA-0002``.
* A ``{"word"`` that does not parse as exactly ``word`` + ``pronounce`` strings: ``DATA-0002``.

The *cleaned* text replaces each pronunciation control by its word; it is what is synthesised,
billed (``billable = input - stripped control characters``) and split into ``text_spoken`` /
``text_remaining`` (flux §3.5 item 4: "Texts are the cleaned text").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.v2.codes import WarningCode

MAX_PRONUNCIATIONS = 500
MAX_IPA_CHARS = 128
_PAUSE_RE = re.compile(r"\\?\{\s*pause\s*:[^}]*\\?\}", re.IGNORECASE)
_WORD_RE = re.compile(r'\\?\{\s*"word"')
_BAD_IPA = re.compile(r"[0-9<>\[\]{}]")


class CharUnit(StrEnum):
    """What a "character" is in the counts (flux Q-10: unspecified)."""

    CODE_POINTS = "code_points"
    UTF16 = "utf16"
    BYTES = "bytes"


def count_chars(text: str, unit: CharUnit = CharUnit.CODE_POINTS) -> int:
    """Length of ``text`` in ``unit``."""
    if unit is CharUnit.UTF16:
        return len(text.encode("utf-16-le")) // 2
    if unit is CharUnit.BYTES:
        return len(text.encode("utf-8"))
    return len(text)


def is_synthesizable(text: str) -> bool:
    """False for text of only whitespace and punctuation (flux §2.4 NO_SYNTHESIZABLE_TEXT)."""
    return any(ch.isalnum() for ch in text)


@dataclass(frozen=True)
class ControlScan:
    """What :func:`scan_controls` found in one piece of text.

    Attributes:
        cleaned: the text with pronunciation controls replaced by their words.
        pronunciations: pronunciation controls found.
        warnings: warning codes, one per offending control.
        pauses: pause markers found (fatal on the socket).
        malformed: why a control could not be read, or None.
    """

    cleaned: str
    pronunciations: int = 0
    warnings: tuple[WarningCode, ...] = field(default=())
    pauses: int = 0
    malformed: str | None = None


def _pronunciation_warning(word: str, ipa: str) -> WarningCode | None:
    if len(ipa) > MAX_IPA_CHARS or len(ipa) > max(15, 10 * len(word)):
        return WarningCode.PRONUNCIATION_TOO_LONG
    if _BAD_IPA.search(ipa):
        return WarningCode.PRONUNCIATION_WARNINGS
    return None


def _read_control(text: str, start: int) -> tuple[str, str, int] | str:
    """The ``(word, ipa, end)`` of the control at ``start``, or why it is malformed."""
    brace = text.index("{", start)
    try:
        obj, end = json.JSONDecoder().raw_decode(text, brace)
    except ValueError:
        # The escaped form ends with "\}" - try again without the backslash.
        closing = text.find("\\}", brace)
        if closing < 0:
            return "pronunciation control is not valid JSON"
        try:
            obj = json.loads(text[brace:closing] + "}")
        except ValueError:
            return "pronunciation control is not valid JSON"
        end = closing + 2
    if not isinstance(obj, dict) or set(obj) != {"word", "pronounce"}:
        return "pronunciation control must have exactly 'word' and 'pronounce'"
    word, ipa = obj["word"], obj["pronounce"]
    if not isinstance(word, str) or not isinstance(ipa, str) or not word:
        return "pronunciation control 'word' and 'pronounce' must be strings"
    return word, ipa, end


def scan_controls(text: str) -> ControlScan:
    """Find the inline controls of ``text`` (see the module docstring). Never raises."""
    pauses = len(_PAUSE_RE.findall(text))
    pieces: list[str] = []
    warnings: list[WarningCode] = []
    count, pos = 0, 0
    for match in _WORD_RE.finditer(text):
        if match.start() < pos:
            continue
        read = _read_control(text, match.start())
        if isinstance(read, str):
            return ControlScan(text, count, tuple(warnings), pauses, read)
        word, ipa, end = read
        pieces += [text[pos : match.start()], word]
        count += 1
        problem = _pronunciation_warning(word, ipa)
        if problem is not None:
            warnings.append(problem)
        pos = end
    pieces.append(text[pos:])
    return ControlScan("".join(pieces), count, tuple(warnings), pauses, None)


def has_pronunciation(text: str) -> bool:
    """True when ``text`` holds (the start of) a pronunciation control."""
    return _WORD_RE.search(text) is not None
