"""What the request machine asks its driver to do. Plain data; the driver carries them out.

*Immediate* actions (:class:`Finish`) are applied by the driver before the call that produced
them returns, so an interrupt ends the request at once; the others are I/O, performed in order
by the request's driver task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from deepgram_tts2.events import EndReason
from deepgram_tts2.exceptions import DeepgramTTSError
from deepgram_tts2.protocol.v1.messages import Flush, Speak
from deepgram_tts2.protocol.v2 import messages as flux


@dataclass(frozen=True, slots=True)
class Acquire:
    """Get a socket from the pool by ``deadline`` (queue wait and handshake included); with
    ``prefer_budget``, one whose budgets fit a Speak and a Flush now, or a new one."""

    deadline: float
    prefer_budget: bool = False


@dataclass(frozen=True, slots=True)
class CancelAcquire:
    """The request no longer needs the socket it waits for."""


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``messages`` on the request's socket, in order (Aura's or Flux's messages)."""

    messages: tuple[Speak | Flush | flux.Speak | flux.Flush, ...]


@dataclass(frozen=True, slots=True)
class Release:
    """Give the socket back to the pool; ``dirty``: the server still holds work of this
    request, so the socket is cleared first (Aura: ``Clear`` -> ``Cleared``; Flux: the live
    turn is flushed and its end awaited) and reused only after that."""

    dirty: bool = False


@dataclass(frozen=True, slots=True)
class Fence:
    """From now on no audio of this request reaches the consumer, and what is queued is
    dropped (immediate); the end follows once the server answered the interrupt."""


@dataclass(frozen=True, slots=True)
class SendInterrupt:
    """Flux: send ``Interrupt`` for ``played_ms`` of this turn's audio (None: what was
    delivered to the consumer), converted to the session-cumulative ``playback_offset``."""

    played_ms: float | None


@dataclass(frozen=True, slots=True)
class Retire:
    """The socket's state is unknown (it failed, or a deadline passed): close it, never reuse."""


@dataclass(frozen=True, slots=True)
class Breaker:
    """Report to the WebSocket endpoint's circuit breaker."""

    outcome: Literal["success", "failure", "trip"]
    error: DeepgramTTSError | None = None


@dataclass(frozen=True, slots=True)
class Retrying:
    """The request will be tried again after ``delay_s`` because of ``error``."""

    error: DeepgramTTSError
    delay_s: float


@dataclass(frozen=True, slots=True)
class FallBack:
    """The request continues over REST because of ``error``."""

    error: DeepgramTTSError


@dataclass(frozen=True, slots=True)
class PostRest:
    """Post REST piece ``index`` (pieces are delivered in index order)."""

    index: int
    text: str


@dataclass(frozen=True, slots=True)
class CancelRest:
    """Stop every REST request of this request."""


@dataclass(frozen=True, slots=True)
class Finish:
    """The request is over (immediate). ``error`` with ``fatal`` for ``ERROR``; on Flux, what
    an interrupted turn's ``SpeechInterrupted`` said was heard, and the turn's billing."""

    reason: EndReason
    error: DeepgramTTSError | None = None
    fatal: bool = False
    text_spoken: str | None = None
    text_remaining: str | None = None
    billable_characters: int | None = None


Action = (
    Acquire
    | CancelAcquire
    | Send
    | Release
    | Fence
    | SendInterrupt
    | Retire
    | Breaker
    | Retrying
    | FallBack
    | PostRest
    | CancelRest
    | Finish
)
