"""The mutable state of one request, shared by its stream and its socket attempts.

:class:`~deepgram_tts2.client.stream.SpeakStream` owns it and the caller's calls change it
(``push``, ``end``, ``interrupt``); each :class:`~deepgram_tts2.client.attempt.SocketAttempt`
reads the text from it and reports progress into its :class:`PhaseTracker`. Every change that
the driver task may be waiting for sets :attr:`RequestState.wake`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from deepgram_tts2.client.deadlines import PhaseTracker
from deepgram_tts2.observability.hooks import MetricsHooks
from deepgram_tts2.observability.tracing import RequestSpan
from deepgram_tts2.options import TTSOptions


@dataclass(eq=False)
class RequestState:
    """See the module docstring.

    Attributes:
        texts: pushed text not yet known to be spoken; kept for a replay until audio arrived.
        unsent_chars: characters pushed and not yet sent on the current socket.
        chars_pushed: all characters the caller pushed.
        first_push_at / first_speak_at: monotonic times of the first ``push`` and first Speak.
    """

    request_id: str
    options: TTSOptions
    hooks: MetricsHooks
    clock: Callable[[], float]
    span: RequestSpan
    phases: PhaseTracker
    texts: list[str] = field(default_factory=list)
    unsent_chars: int = 0
    chars_pushed: int = 0
    ended: bool = False
    interrupted: bool = False
    first_push_at: float | None = None
    first_speak_at: float | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    space: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.space.set()

    @property
    def has_text(self) -> bool:
        """True when any pushed text is more than whitespace."""
        return any(t.strip() for t in self.texts)

    def notify(self) -> None:
        """Something changed: wake the driver."""
        self.wake.set()

    async def wait(self, limit_s: float | None = None) -> bool:
        """Wait for :meth:`notify` (True) or ``limit_s`` seconds (False)."""
        try:
            await asyncio.wait_for(self.wake.wait(), limit_s)
        except TimeoutError:
            return False
        finally:
            self.wake.clear()
        return True

    def sent(self, chars: int) -> None:
        """``chars`` of pending text left on the socket: ``push`` may go on."""
        self.unsent_chars -= chars
        self.space.set()
