"""Which turn a piece of audio belongs to, told from the audio itself.

The emulator's tone voice speaks every character as its own 50 ms tone (whitespace is silence),
so two texts written with disjoint alphabets have no samples in common. A frame is classified by
looking for short slices of it in each turn's characters' tones: that tells stale audio of turn A
inside turn B whatever the client labels it, however it re-frames the bytes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

SLICE_BYTES = 64  # 32 samples: long enough to be unique to one tone, short enough to fit one


def alphabet_text(letters: str, words: int, seed: int, sentences: int = 2) -> str:
    """A text of ``words`` words made of ``letters`` only, in ``sentences`` sentences."""
    rng = random.Random(seed)
    out = ["".join(rng.choice(letters) for _ in range(rng.randint(3, 7))) for _ in range(words)]
    per = max(1, words // sentences)
    text = ""
    for i, word in enumerate(out):
        end = (i + 1) % per == 0 or i == len(out) - 1
        text += word + ("." if end else "") + (" " if i < len(out) - 1 else "")
    return text[0].upper() + text[1:] if text else text


class Fingerprints:
    """The tones of each turn's characters, to classify frames by."""

    def __init__(self, texts: Sequence[str]) -> None:
        from deepgram_tts2.emulator.voices import ToneVoice

        voice = ToneVoice()
        shared = set.intersection(*(set(t) for t in texts)) if len(texts) > 1 else set()
        self.blobs: list[bytes] = []
        for text in texts:
            own = sorted({c for c in text if not c.isspace() and c not in shared})
            self.blobs.append(b"".join(voice.synthesize(c).tobytes() for c in own))

    def classify(self, frame: bytes) -> int | None:
        """The index of the only text whose tones contain a slice of ``frame`` (None: silence,
        shared characters such as punctuation, or no match)."""
        found: set[int] = set()
        for piece in _slices(frame):
            if not any(piece):
                continue
            found.update(i for i, blob in enumerate(self.blobs) if piece in blob)
        return found.pop() if len(found) == 1 else None


def _slices(frame: bytes) -> list[bytes]:
    """Three sample-aligned slices (start, middle, end): a 50 ms tone is longer than any frame
    boundary can split two of them."""
    if len(frame) <= SLICE_BYTES:
        return [frame[: len(frame) - len(frame) % 2]]
    middle = (len(frame) // 2 - SLICE_BYTES // 2) & ~1
    end = (len(frame) - SLICE_BYTES) & ~1
    return [
        frame[:SLICE_BYTES],
        frame[middle : middle + SLICE_BYTES],
        frame[end : end + SLICE_BYTES],
    ]
