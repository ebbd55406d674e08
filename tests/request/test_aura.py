"""One Aura attempt: a text known whole is coalesced only when it can all be sent at once."""

from __future__ import annotations

from deepgram_tts2.protocol.v1.messages import Flush, Speak
from deepgram_tts2.protocol.v1.segmenter import SegmenterPolicy
from deepgram_tts2.request.aura import AuraAttempt, SocketBudget

REPLY = "Thanks. I found the order. It shipped this morning and should arrive on Thursday. "


def flushes(chars_budget: int, last: bool) -> int:
    budget = SocketBudget.create(chars_budget, 20, 60.0)
    attempt = AuraAttempt(SegmenterPolicy(), budget, REPLY * 3, 0.0, last=last)
    attempt.end()
    sent: list[Speak | Flush] = []
    for now in range(0, 600, 10):  # every message sends once the budget allows
        sent += attempt.due(float(now))
    spoken = "".join(m.text for m in sent if isinstance(m, Speak))
    assert spoken.rstrip() == (REPLY * 3).rstrip()  # (a trailing space may be held back)
    return sum(isinstance(m, Flush) for m in sent)


def test_a_text_that_fits_the_budget_is_coalesced_when_known_whole() -> None:
    assert flushes(2400, last=False) == 9  # a Flush per sentence
    assert flushes(2400, last=True) == 2  # the first phrase, then the rest at the end


def test_a_text_that_must_wait_for_the_budget_is_flushed_per_sentence() -> None:
    # 246 characters against a budget of 100 per window: parts wait a window each, and each
    # sentence should start speaking as soon as it got through
    assert flushes(100, last=True) == flushes(100, last=False) == 9
