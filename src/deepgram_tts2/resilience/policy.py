"""The one place a failure gets its meaning: :func:`decide`.

Every failure of a request (a handshake refused, a socket lost, a deadline passed, an ``Error``
message, a REST status) arrives here as a library exception (translated from the wire at one
boundary, :mod:`deepgram_tts2.client.boundary`) plus what the request knows about itself
(:class:`FailureContext`). :func:`decide` answers with a :class:`Decision`; the request machine
and the pool only carry it out. docs/client.md "Failure policy":

==========  ==========================================  ============================================
class       examples                                    decision
==========  ==========================================  ============================================
AUTH        401/402/403 at handshake or REST            fatal; no retry, no fallback; breaker trips
INPUT       400, close 1009 BIG-*, 1008 DATA-0000       end the request; no retry; no breaker count
RATE_LIMIT  429, close 1008 DATA-0001, budget exhausted  retry after Retry-After while resumable;
                                                        REST fallback (its own limits) in ``auto``
TRANSIENT   refused/reset, 1006, 1011 NET-*, 5xx,        retry with backoff while resumable; REST
            timeouts, stall, JSON ``Error``              fallback in ``auto``; counts on the breaker
CIRCUIT     the breaker is open; the queue is full or    REST fallback in ``auto``, else end
            its wait (phase ``queue``) timed out
DEADLINE    ``request_s`` passed; nobody read the events     end the request (phase ``request`` or
            for ``consumer_s``                          ``consumer``); never counted or retried
INTERNAL    a bug, a server that broke the protocol      end the request
CANCELLED   the client closed                            end the request
==========  ==========================================  ============================================

*Resumable* means nothing of the request is half-spoken: no audio was yielded yet, or every
segment whose audio started was also acknowledged complete, so the rest can be sent again on a
fresh socket (or over REST) without repeating or cutting a sentence.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from deepgram_tts2.exceptions import (
    AuthError,
    CircuitOpenError,
    ClientClosedError,
    DeepgramTTSError,
    PhaseTimeoutError,
    QueueFullError,
)
from deepgram_tts2.protocol.errors import ErrorClass

Transport = Literal["websocket", "rest"]
TransportMode = Literal["auto", "websocket", "rest"]


@dataclass(frozen=True, slots=True)
class FailureContext:
    """What the failing request knows about itself.

    Attributes:
        mode: the request's transport setting (``auto``, ``websocket``, ``rest``).
        transport: the transport the failed attempt used.
        resumable: nothing is half-spoken (see the module docstring).
        retries_left: another attempt on the same transport fits the retry budget.
        at_handshake: the failure happened while opening a socket (no request sent yet).
    """

    mode: TransportMode
    transport: Transport
    resumable: bool
    retries_left: bool
    at_handshake: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """What to do about one failure.

    Attributes:
        retry: try again on the same transport after the backoff (Retry-After honoured).
        rest_fallback: serve the rest of the request over REST instead.
        breaker_failure: count against the WebSocket endpoint's circuit breaker.
        breaker_trip: open the breaker at once (credentials rejected).
        fatal: the caller cannot succeed without changing configuration (``Error.fatal``).
    """

    retry: bool = False
    rest_fallback: bool = False
    breaker_failure: bool = False
    breaker_trip: bool = False
    fatal: bool = False

    @property
    def ends_request(self) -> bool:
        """True when the request ends with this error."""
        return not (self.retry or self.rest_fallback)


def _kind(error: DeepgramTTSError) -> str:
    if isinstance(error, CircuitOpenError | QueueFullError):
        return "circuit"
    if isinstance(error, PhaseTimeoutError) and error.phase == "queue":
        return "circuit"  # every socket is busy: waiting again in line cannot help
    if isinstance(error, PhaseTimeoutError) and error.phase in ("request", "consumer"):
        return "over"  # the request's own deadline, or nobody reads it: nothing to retry
    if isinstance(error, ClientClosedError):
        return "cancelled"
    if isinstance(error, AuthError):
        return "auth"
    return error.error_class.value


def decide(error: DeepgramTTSError, context: FailureContext) -> Decision:
    """The decision for ``error`` in ``context`` (see the module docstring's table)."""
    kind = _kind(error)
    on_socket = context.transport == "websocket"
    can_fall_back = on_socket and context.mode == "auto" and context.resumable
    if kind == "auth":
        return Decision(breaker_trip=on_socket, fatal=True)
    if kind == "circuit":
        return Decision(rest_fallback=can_fall_back)
    if kind in (ErrorClass.RATE_LIMIT.value, ErrorClass.TRANSIENT.value):
        counts = on_socket and kind == ErrorClass.TRANSIENT.value
        if context.resumable and context.retries_left:
            return Decision(retry=True, breaker_failure=counts)
        return Decision(rest_fallback=can_fall_back, breaker_failure=counts)
    return Decision()
