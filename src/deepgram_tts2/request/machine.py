"""The request machine: one Aura request's whole lifecycle as a pure object.

It is fed what happened (text pushed, ``end()``, an interrupt, a socket granted or refused,
audio, ``Flushed``, a refused Flush, a socket lost, REST progress, the consumer blocking, the
time) and answers with :mod:`~deepgram_tts2.request.actions` for its driver
(:class:`~deepgram_tts2.client.stream.SpeakStream`) to carry out. It owns segmentation and the
socket's budgets (through :class:`~deepgram_tts2.request.aura.AuraAttempt` and
:class:`~deepgram_tts2.request.restplan.RestPlan`), every deadline
(:class:`~deepgram_tts2.request.deadlines.PhaseTracker`), the retry budget, and the end: exactly
one :class:`~deepgram_tts2.request.actions.Finish`, after which no audio is accepted. What a
failure means is decided by :func:`deepgram_tts2.resilience.policy.decide`, nowhere here.

Phases (a :class:`~deepgram_tts2.protocol.state.StateTable`; an illegal move raises)::

    IDLE --text--> ACQUIRING --socket--> STREAMING --complete--> ENDED
    IDLE --text (transport rest)--> REST --complete--> ENDED
    ACQUIRING/STREAMING/REST --retry--> BACKOFF --due--> ACQUIRING (or REST)
    ACQUIRING/STREAMING --fall back--> REST
    STREAMING --move (budget)--> ACQUIRING
    STREAMING --interrupt (Flux)--> INTERRUPTING --answer or clear_s--> ENDED
    any but ENDED --end/interrupt/fail--> ENDED
"""

from __future__ import annotations

import enum
import random
from collections.abc import Callable

from deepgram_tts2.events import EndReason
from deepgram_tts2.exceptions import (
    DeepgramTTSError,
    InternalError,
    PhaseTimeoutError,
    RateLimitError,
)
from deepgram_tts2.options import TTSOptions
from deepgram_tts2.protocol.state import StateTable
from deepgram_tts2.protocol.v1.limits import REST_MAX_CHARS
from deepgram_tts2.protocol.v1.segmenter import SegmenterPolicy
from deepgram_tts2.request.actions import (
    Acquire,
    Action,
    Breaker,
    CancelAcquire,
    CancelRest,
    FallBack,
    Fence,
    Finish,
    PostRest,
    Release,
    Retire,
    Retrying,
    Send,
    SendInterrupt,
)
from deepgram_tts2.request.aura import AuraAttempt, SocketBudget
from deepgram_tts2.request.deadlines import PhaseTracker
from deepgram_tts2.request.flux import FluxAttempt
from deepgram_tts2.request.restplan import RestPlan
from deepgram_tts2.resilience.backoff import RetryBudget
from deepgram_tts2.resilience.policy import FailureContext, Transport, TransportMode, decide


class RequestPhase(enum.Enum):
    """Where a request is in its life."""

    IDLE = "idle"  # no text worth speaking yet
    ACQUIRING = "acquiring"  # waiting for a socket
    STREAMING = "streaming"  # speaking over a socket
    BACKOFF = "backoff"  # waiting before another attempt
    REST = "rest"  # speaking over REST
    INTERRUPTING = "interrupting"  # Flux: Interrupt sent, SpeechInterrupted awaited (fenced)
    ENDED = "ended"


class RequestEvent(enum.Enum):
    """What moves a request between phases."""

    TEXT = "text"
    TEXT_REST = "text_rest"
    SOCKET = "socket"
    RETRY = "retry"
    RETRY_DUE = "retry_due"
    RETRY_DUE_REST = "retry_due_rest"
    FALL_BACK = "fall_back"
    MOVE = "move"  # to another socket with budget, at a segment boundary
    INTERRUPT = "interrupt"  # Flux: the turn is stopped by the server, which says what was heard
    END = "end"


_P, _V = RequestPhase, RequestEvent
REQUEST_TABLE: StateTable[RequestPhase, RequestEvent] = StateTable(
    {
        (_P.IDLE, _V.TEXT): _P.ACQUIRING,
        (_P.IDLE, _V.TEXT_REST): _P.REST,
        (_P.ACQUIRING, _V.SOCKET): _P.STREAMING,
        **{(p, _V.RETRY): _P.BACKOFF for p in (_P.ACQUIRING, _P.STREAMING, _P.REST)},
        (_P.BACKOFF, _V.RETRY_DUE): _P.ACQUIRING,
        (_P.BACKOFF, _V.RETRY_DUE_REST): _P.REST,
        **{(p, _V.FALL_BACK): _P.REST for p in (_P.ACQUIRING, _P.STREAMING, _P.BACKOFF)},
        (_P.STREAMING, _V.MOVE): _P.ACQUIRING,
        (_P.STREAMING, _V.INTERRUPT): _P.INTERRUPTING,
        **{(p, _V.END): _P.ENDED for p in RequestPhase if p is not _P.ENDED},
    }
)


class RequestMachine:
    """See the module docstring. One per request; every method takes the time ``now``."""

    def __init__(
        self,
        options: TTSOptions,
        mode: TransportMode,
        now: float,
        rand: Callable[[], float] = random.random,
        *,
        segmenter: SegmenterPolicy | None = None,
    ) -> None:
        self.options = options
        # options.segmenter_policy(), unless the client computed it once for all its requests
        self._segmenter = segmenter or options.segmenter_policy()
        self.mode = mode
        self.phase = RequestPhase.IDLE
        self.phases = PhaseTracker(options.timeouts, now)
        self._retry = RetryBudget(options.retry.policy(), now, rand)
        self._pending = ""  # text pushed and not given to an attempt or a REST plan yet
        self._attempt: AuraAttempt | FluxAttempt | None = None
        self._interrupt_deadline: float | None = None
        self._rest: RestPlan | None = None
        self._retry_at: float | None = None
        self._retry_rest = False
        self._moves = 0
        self._fallback_cause: DeepgramTTSError | None = None
        self._billable: int | None = None
        self.ended = False  # the caller said end()
        self.audio_seen = False
        self.transport: str | None = None  # of the current or last attempt
        self.finish: Finish | None = None

    # -- the caller ---------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """True once the request has ended (its :class:`Finish` was produced)."""
        return self.phase is RequestPhase.ENDED

    @property
    def unsent_chars(self) -> int:
        """Pushed characters not yet sent anywhere (``push`` waits while too many are)."""
        queued = self._attempt.queued_chars if self._attempt is not None else 0
        return len(self._pending) + queued

    def push(self, text: str, now: float) -> list[Action]:
        """More text, exactly as given (spaces matter); ignored after ``end()``."""
        if self.done or self.ended or not text:
            return []
        if self._attempt is not None:
            self._attempt.push(text, now)
            return self._stream(now)
        if self._rest is not None:
            self._rest.push(text)
            return self._post_rest(now)
        self._pending += text
        if self.phase is RequestPhase.IDLE and self._pending.strip():
            return self._begin(now)
        return []

    def end(self, now: float) -> list[Action]:
        """No more text follows."""
        if self.done or self.ended:
            return []
        self.ended = True
        if self.phase is RequestPhase.IDLE:
            return self._finish(EndReason.COMPLETED)  # nothing but spaces was ever pushed
        if self._attempt is not None:
            self._attempt.end()
            return self._stream(now)
        if self._rest is not None:
            self._rest.end()
            return self._post_rest(now)
        return []

    def interrupt(self, now: float, played_ms: float | None = None) -> list[Action]:
        """Stop now: ``Finish(INTERRUPTED)`` first, then whatever frees the transport.

        A Flux turn whose text the server already holds is stopped with ``Interrupt``: its audio
        is fenced at once (:class:`Fence`), and it ends when ``SpeechInterrupted`` says what was
        heard (``played_ms`` of this turn's audio; None: what was delivered), or after
        ``timeouts.clear_s`` without an answer.
        """
        if self.done or self.phase is RequestPhase.INTERRUPTING:
            return []
        attempt = self._attempt
        if isinstance(attempt, FluxAttempt) and attempt.sent_anything:
            self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.INTERRUPT)
            self._interrupt_deadline = now + self.options.timeouts.clear_s
            return [Fence(), SendInterrupt(played_ms)]
        actions: list[Action] = self._finish(EndReason.INTERRUPTED)
        if self._attempt is not None:
            actions.append(Release(self._attempt.sent_anything))
            self._attempt = None
        elif self._rest is not None:
            actions.append(CancelRest())
        else:
            actions.append(CancelAcquire())
        return actions

    def served_from_cache(self) -> list[Action]:
        """The whole text was answered from the phrase cache: the request is complete, and
        whatever it asked for (a socket, REST) is called off."""
        if self.done or not self.ended or self._attempt is not None:
            return []
        undo: Action = CancelAcquire() if self._rest is None else CancelRest()
        self._rest = None
        return [*self._finish(EndReason.COMPLETED), undo]

    def on_turn_interrupted(self, spoken: str | None, remaining: str | None) -> list[Action]:
        """Flux: ``SpeechInterrupted`` for this turn, with what the listener heard."""
        if self.phase is not RequestPhase.INTERRUPTING:
            return []
        self._attempt = None
        return [*self._finish(EndReason.INTERRUPTED, spoken=spoken, remaining=remaining), Release()]

    def on_interrupt_rejected(self) -> list[Action]:
        """Flux: the server ignored the Interrupt (``NO_AUDIO_GENERATED``, ``NO_ACTIVE_SPEECH``):
        the request is over for the caller, the socket is cleared of the live turn."""
        if self.phase is not RequestPhase.INTERRUPTING:
            return []
        attempt, self._attempt = self._attempt, None
        live = attempt is not None and not attempt.complete
        return [*self._finish(EndReason.INTERRUPTED), Release(live)]

    def _begin(self, now: float) -> list[Action]:
        if self.mode == "rest":
            self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.TEXT_REST)
            return self._start_rest(now)
        self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.TEXT)
        return [Acquire(self._acquire_deadline(now))]

    def _acquire_deadline(self, now: float) -> float:
        deadline = now + self.options.timeouts.connect_s
        request = self.phases.request_deadline()
        return deadline if request is None else min(deadline, request)

    # -- sockets ------------------------------------------------------------------------------

    def on_socket(self, budget: SocketBudget, now: float) -> list[Action]:
        """The pool granted a socket (with its budgets)."""
        if self.done:
            return [Release()]
        self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.SOCKET)
        self.transport = "websocket"
        self.phases.new_attempt(now)
        if self.options.generation == "v2":
            self._attempt = FluxAttempt(budget, self._pending, now)
        else:
            # With end() already said, the whole text is known: its sentences need not each be
            # flushed (the first phrase still is, for a fast first audio).
            self._attempt = AuraAttempt(
                self._segmenter, budget, self._pending, now, last=self.ended
            )
        self._pending = ""
        if self.ended:
            self._attempt.end()
        return self._stream(now)

    def on_acquire_failed(self, error: DeepgramTTSError, now: float) -> list[Action]:
        """No socket: opening one failed, the breaker is open, or the wait passed its deadline."""
        if self.done:
            return []
        self.transport = "websocket"
        return self._fail(error, now, socket_ok=True, at_handshake=True)

    def accept_audio(self, now: float, transport: str) -> bool:
        """Audio arrived on ``transport`` (the socket, or the current REST piece): deliver it?

        Only audio of the attempt under way is: after the request ended, and between leaving
        a socket (a retry, a move, a fallback) and the next attempt, audio is stale.
        """
        phase = self.phase
        if transport == "websocket":  # per audio chunk: the cheapest test first
            attempt = self._attempt
            if attempt is None or phase is not RequestPhase.STREAMING:
                return False
            attempt.on_audio()
        elif self._rest is not None and transport == "rest" and phase is RequestPhase.REST:
            self._rest.on_audio()
        else:
            return False
        self.audio_seen = True
        self.phases.on_audio(now)
        return True

    def on_flushed(self, now: float, billable_characters: int | None = None) -> list[Action]:
        """Aura: ``Flushed`` for this request's oldest live Flush. Flux: the turn's
        ``SpeechMetadata`` (with what it was billed)."""
        if self._attempt is None or self.done:
            return []
        self._billable = billable_characters
        if self.phase is RequestPhase.INTERRUPTING:  # the turn ended before the Interrupt did
            self._attempt = None
            return [*self._finish(EndReason.INTERRUPTED), Release()]
        self._attempt.on_flushed()
        self.phases.on_activity(now)
        return self._stream(now)

    def on_flush_refused(self, now: float) -> list[Action]:
        """``Warning EXCESSIVE_FLUSH`` for this request's newest Flush."""
        if self._attempt is None or self.done:
            return []
        self._attempt.on_flush_refused(now)
        return self._stream(now)

    def on_socket_failed(self, error: DeepgramTTSError, now: float) -> list[Action]:
        """The socket is gone, or the server sent an ``Error`` on it."""
        if self._attempt is None or self.done:
            return []
        if self.phase is RequestPhase.INTERRUPTING:  # stopped anyway: nothing to report
            self._attempt = None
            return [*self._finish(EndReason.INTERRUPTED), Retire()]
        return self._fail(error, now, socket_ok=False)

    def _stream(self, now: float) -> list[Action]:
        """Send what fits the budgets; end the request when it is complete."""
        attempt = self._attempt
        assert attempt is not None
        actions: list[Action] = []
        messages = attempt.due(now)
        if messages:
            actions.append(Send(tuple(messages)))
        if attempt.flush_planned:
            self.phases.on_flush_planned(now)
        self.phases.set_owed(attempt.waiting_on_server, attempt.final_planned, now)
        if attempt.complete:
            self._attempt = None
            actions.append(Release())
            actions.append(Breaker("success"))
            actions.extend(self._finish(EndReason.COMPLETED, billable=self._billable))
            return actions
        actions.extend(self._maybe_move(now))
        return actions

    def _maybe_move(self, now: float) -> list[Action]:
        """Move to another socket when this one's budget holds the next message up too long.

        Only at a segment boundary (resumable), at most ``limits.pool_size`` times per request;
        a move is not a retry. Without a better socket the request paces itself on this one.
        """
        attempt = self._attempt
        assert attempt is not None
        blocked = attempt.blocked_until(now)
        limits = self.options.limits
        if blocked == float("inf"):  # options that contradict the budgets: never sendable
            error = InternalError("a message is larger than the connection's whole budget")
            return self._fail(error, now, socket_ok=True)
        if blocked is None or blocked - now <= limits.budget_move_s:
            return []
        if not attempt.resumable or self._moves >= limits.pool_size:
            return []
        self._moves += 1
        self._attempt = None
        self.phases.new_attempt(now)
        self._pending = attempt.remaining_text() + self._pending
        self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.MOVE)
        acquire = Acquire(self._acquire_deadline(now), prefer_budget=True)
        return [Release(attempt.sent_anything), acquire]

    def _budget_error(self, now: float) -> RateLimitError | None:
        """When the attempt waits for its socket's budget: the error that says so."""
        attempt = self._attempt
        blocked = None if attempt is None else attempt.blocked_until(now)
        if blocked is None or blocked <= now:
            return None
        limits = self.options.limits
        return RateLimitError(
            f"this connection's budget allows the next message only in {blocked - now:.1f} s "
            f"(aura §2.6: {limits.flushes_per_window} Flushes and {limits.chars_per_window} "
            f"characters per {limits.window_s:g} s)",
            retry_after_s=0.0,
        )

    # -- REST ---------------------------------------------------------------------------------

    def _start_rest(self, now: float) -> list[Action]:
        self.transport = "rest"
        limit = min(REST_MAX_CHARS, self.options.limits.max_speak_chars)
        plan = RestPlan(self._segmenter, limit, self.options.limits.rest_parallel)
        carried = self._pending
        self._pending = ""
        if self._rest is not None:
            carried = self._rest.remaining_text() + carried
        self._rest = plan
        plan.push(carried)
        if self.ended:
            plan.end()
        self.phases.new_attempt(now)
        return self._post_rest(now)

    def _post_rest(self, now: float) -> list[Action]:
        plan = self._rest
        assert plan is not None
        actions: list[Action] = [PostRest(p.index, p.text) for p in plan.to_post()]
        if plan.complete:
            self._rest = None
            actions.extend(self._finish(EndReason.COMPLETED))
            return actions
        if plan.current is not None and plan.current.posted and not self.phases.owed:
            self.phases.on_rest_sent(now)
        return actions

    def on_rest_done(self, index: int, now: float) -> list[Action]:
        """REST piece ``index`` (the current one) delivered its whole body."""
        if self._rest is None or self.phase is not RequestPhase.REST:
            return []
        self._rest.on_done(index)
        self.phases.on_rest_done(now)
        return self._post_rest(now)

    def on_rest_failed(self, error: DeepgramTTSError, now: float) -> list[Action]:
        """A REST piece failed (the driver stops the others)."""
        if self._rest is None or self.phase is not RequestPhase.REST:
            return []
        return self._fail(error, now, socket_ok=True)

    # -- the consumer and the clock -----------------------------------------------------------

    def on_blocked(self, now: float) -> None:
        """The event channel is full: the consumer holds the request up."""
        self.phases.on_blocked(now)

    def on_unblocked(self, now: float) -> None:
        """The consumer took events: the server's deadlines restart."""
        self.phases.on_unblocked(now)

    def next_wakeup(self, now: float) -> float | None:
        """When :meth:`tick` next has something to do (None: only an input can change things).

        Only what can act in the current phase counts, so a driver that sleeps until then never
        wakes for nothing.
        """
        times: list[float] = []
        request = self.phases.request_deadline()
        if request is not None and not self.done:
            times.append(request)
        if self.phase is RequestPhase.BACKOFF and self._retry_at is not None:
            times.append(self._retry_at)
        if self.phase is RequestPhase.INTERRUPTING and self._interrupt_deadline is not None:
            times.append(self._interrupt_deadline)
        if self.phase in (RequestPhase.STREAMING, RequestPhase.REST):
            deadline = self.phases.next_deadline()
            if deadline is not None:
                times.append(deadline.at)
        if self._attempt is not None:
            blocked = self._attempt.blocked_until(now)
            if blocked is not None and blocked != float("inf"):
                times.append(max(blocked, now))
        return min(times) if times else None

    def tick(self, now: float) -> list[Action]:
        """Act on time: retries due, budgets freed, deadlines passed."""
        if self.done:
            return []
        if self.phase is RequestPhase.INTERRUPTING:
            if self._interrupt_deadline is not None and now >= self._interrupt_deadline:
                self._attempt = None  # no answer in time: the socket's state is unknown
                return [*self._finish(EndReason.INTERRUPTED), Retire()]
            return []
        request = self.phases.request_deadline()
        if request is not None and now >= request:
            limit = self.options.timeouts.request_s or 0.0
            return self._fail(PhaseTimeoutError("request", limit), now, socket_ok=True)
        if self.phase is RequestPhase.BACKOFF:
            return self._retry_due(now)
        deadline = self.phases.next_deadline()
        if deadline is not None and now >= deadline.at:
            error: DeepgramTTSError = PhaseTimeoutError(deadline.phase, deadline.limit_s)
            if deadline.phase == "first_audio":
                error = self._budget_error(now) or error  # we held it up, not the server
            socket_ok = deadline.phase == "consumer" or isinstance(error, RateLimitError)
            return self._fail(error, now, socket_ok=socket_ok)
        if self._attempt is not None:
            return self._stream(now)
        return []

    def _retry_due(self, now: float) -> list[Action]:
        if self._retry_at is None or now < self._retry_at:
            return []
        self._retry_at = None
        if self._retry_rest:
            self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.RETRY_DUE_REST)
            return self._start_rest(now)
        self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.RETRY_DUE)
        return [Acquire(self._acquire_deadline(now))]

    # -- failures and the end -----------------------------------------------------------------

    def _fail(
        self, error: DeepgramTTSError, now: float, *, socket_ok: bool, at_handshake: bool = False
    ) -> list[Action]:
        """Carry out :func:`decide` for ``error``."""
        actions: list[Action] = []
        resumable = self._detach(actions, socket_ok)
        self.phases.new_attempt(now)  # the failed attempt's deadlines are over
        transport: Transport = "rest" if self.transport == "rest" else "websocket"
        delay = self._retry.next_delay(now, error.retry_after_s) if resumable else None
        request = self.phases.request_deadline()
        retries_left = delay is not None and (request is None or now + delay < request)
        context = FailureContext(self.mode, transport, resumable, retries_left, at_handshake)
        decision = decide(error, context)
        if decision.breaker_trip:
            actions.append(Breaker("trip", error))
        elif decision.breaker_failure:
            actions.append(Breaker("failure", error))
        if decision.retry and delay is not None:
            self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.RETRY)
            self._retry_at = now + delay
            self._retry_rest = transport == "rest"
            actions.append(Retrying(error, delay))
        elif decision.rest_fallback:
            self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.FALL_BACK)
            self._fallback_cause = error
            actions.append(FallBack(error))
            actions.extend(self._start_rest(now))
        else:
            if transport == "rest" and self._fallback_cause is not None and error.__cause__ is None:
                error.__cause__ = self._fallback_cause  # why REST was tried at all
            actions.extend(self._finish(EndReason.ERROR, error, decision.fatal))
        return actions

    def _detach(self, actions: list[Action], socket_ok: bool) -> bool:
        """Let go of the failed attempt; returns whether the request is resumable."""
        attempt, plan = self._attempt, self._rest
        if attempt is not None:
            self._attempt = None
            self._pending = attempt.remaining_text() + self._pending
            actions.append(Release(attempt.sent_anything) if socket_ok else Retire())
            return attempt.resumable
        if plan is not None:
            actions.append(CancelRest())
            resumable = plan.resumable
            if not resumable:
                self._rest = None
            return resumable
        return True

    def _finish(
        self,
        reason: EndReason,
        error: DeepgramTTSError | None = None,
        fatal: bool = False,
        *,
        spoken: str | None = None,
        remaining: str | None = None,
        billable: int | None = None,
    ) -> list[Action]:
        if self.done:
            return []
        self.phase = REQUEST_TABLE.next(self.phase, RequestEvent.END)
        self._retry_at = None
        self._interrupt_deadline = None
        self.finish = Finish(reason, error, fatal, spoken, remaining, billable)
        return [self.finish]
