"""Text corpora and how they are fed: whole replies, long paragraphs, or LLM-like token streams."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from deepgram_tts2 import SpeakStream
from deepgram_tts2.compat import StrEnum
from deepgram_tts2.loadtest.playout import split_tokens, token_offsets

SHORT_REPLIES = (
    "Sure, I can help with that.",
    "Your order shipped this morning and should arrive on Thursday.",
    "I'm sorry, I didn't catch that. Could you say it again?",
    "The meeting is at three. Do you want a reminder?",
    "Got it. Anything else?",
)
LONG_PARAGRAPHS = (
    "Thanks for waiting. I looked into your account and found two charges from last week. "
    "The first one is your regular monthly plan, and the second is a one-time fee for the "
    "extra data you used while travelling. If you like, I can switch you to a plan that "
    "includes roaming, which would have saved you about twelve dollars this month. Shall I "
    "make that change now, or would you rather think about it?",
    "Here is what I found about the weather this weekend. Saturday starts cloudy with a "
    "chance of light rain in the morning, clearing up by noon with highs around eighteen "
    "degrees. Sunday looks sunny and a little warmer, so it would be the better day for the "
    "hike you mentioned. Remember to bring water, because the trail has no fountains.",
)


class Corpus(StrEnum):
    """Which texts a run speaks."""

    SHORT = "short"
    LONG = "long"
    TOKENS = "tokens"  # short and long replies streamed word by word


@dataclass(frozen=True)
class Workload:
    """What each request speaks and how fast its text arrives."""

    corpus: Corpus = Corpus.SHORT
    tokens_per_s: float = 30.0

    def text(self, index: int) -> str:
        """The text of request number ``index``."""
        if self.corpus is Corpus.LONG:
            return LONG_PARAGRAPHS[index % len(LONG_PARAGRAPHS)]
        pool = SHORT_REPLIES + (LONG_PARAGRAPHS if self.corpus is Corpus.TOKENS else ())
        return pool[index % len(pool)]

    async def feed(self, stream: SpeakStream, text: str) -> float:
        """Push ``text`` into ``stream`` and end it; returns when the first text was pushed."""
        first = time.perf_counter()
        if self.corpus is not Corpus.TOKENS:
            await stream.push(text)
        else:
            tokens = split_tokens(text)
            offsets = token_offsets(len(tokens), self.tokens_per_s)
            for token, due in zip(tokens, offsets, strict=True):
                delay = first + due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                await stream.push(token)
        await stream.end()
        return first
