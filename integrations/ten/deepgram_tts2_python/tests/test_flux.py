"""Flux (``/v2/speak``) in the extension: a ``flux-*`` model works with the same properties, and
a ``tts_flush`` interrupts the turn with the audio delivered for the request and reports what
was spoken as a ``tts_text_result`` before ``tts_audio_end`` (reason 2) and ``tts_flush_end``.

The guarder's scenarios run on Flux too (``BOTH_APIS`` in their files); these are the cases
only Flux has. The emulator's tone voice lasts 50 ms per character, so the spoken text can be
checked against the audio delivered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from ten_runtime import AsyncTenEnvTester

from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2.emulator.v2.options import EmulatorV2Options
from deepgram_tts2.emulator.v2.routes import set_v2_options
from deepgram_tts2_python.config import DeepgramTTS2Config

from .support import (
    AURA,
    FLUX,
    HELLO,
    Received,
    RecordingTester,
    SendAndWait,
    flush_data,
    load_config,
    run_tester,
    text_input,
    with_params,
)
from .test_miss_required_params import MissingKeyTester

RID = "flux_turn_1"
META = {"session_id": "flux_session", "turn_id": 7}
FLUSH_META = {"session_id": "flux_session"}
PASSAGE = (
    "The first sentence of this turn is long enough to be heard for a while. "
    "The second one follows it, and the listener may never hear it at all. "
    "A third sentence keeps the voice busy well after the flush arrives."
)
TONE_MS_PER_CHAR = 50  # the emulator's tone voice (docs/flux.md)
SETTING = "property_basic_audio_setting1.json"


def _words(text: str) -> str:
    return " ".join(text.split())


class FlushAfter(RecordingTester):
    """Sends ``PASSAGE`` without ``text_input_end``; flushes once ``after_ms`` of audio came
    (0: at the first frame); stops at ``tts_flush_end``."""

    def __init__(self, after_ms: int) -> None:
        super().__init__()
        self.after_ms = after_ms
        self.audio_bytes = 0
        self.flush_sent_at: float | None = None
        self.flush_end_at: float | None = None

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        await ten_env.send_data(text_input(RID, PASSAGE, False, META))

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if self.stopping:
            return
        if message.kind == "audio":
            self.audio_bytes += len(message.audio)
            played_ms = self.audio_bytes * 1000 // (message.sample_rate * 2)
            if self.flush_sent_at is None and played_ms >= self.after_ms:
                self.flush_sent_at = time.monotonic()
                await ten_env.send_data(flush_data("flush_1", FLUSH_META))
        elif message.name == "tts_flush_end":
            self.flush_end_at = message.at
            self.succeed(ten_env)
        elif message.name == "error":
            self.fail(ten_env, f"error: {message.payload}")

    def sequence(self) -> list[str]:
        return [m.name for m in self.received if m.kind == "data" and m.name != "metrics"]


def test_a_flux_model_is_accepted_with_the_same_properties() -> None:
    aura = DeepgramTTS2Config.from_properties(
        with_params(load_config(SETTING), api_key="k" * 20, base_url="wss://api.deepgram.com")
    )
    flux = DeepgramTTS2Config.from_properties(
        with_params(load_config(SETTING, FLUX), api_key="k" * 20, base_url="wss://api.deepgram.com")
    )
    assert (aura.to_options().generation, flux.to_options().generation) == ("v1", "v2")
    assert flux.to_options().websocket_url == "wss://api.deepgram.com/v2/speak"
    # The same base_url (the default names /v1/speak) serves both: the path follows the model.
    same_url = with_params(load_config(SETTING, FLUX), base_url="wss://api.deepgram.com/v1/speak")
    options = DeepgramTTS2Config.from_properties(same_url).to_options()
    assert options.websocket_url == "wss://api.deepgram.com/v2/speak"
    expressive = DeepgramTTS2Config.from_properties(
        with_params(load_config(SETTING, FLUX), base_url="wss://api.deepgram.com", expressivity=1)
    )
    assert expressive.to_options().expressivity == 1


def test_a_flux_request_speaks_over_v2() -> None:
    tester = SendAndWait([("r", "Part one of the answer,", False), ("r", " and part two.", True)])
    run_tester(tester, load_config(SETTING, FLUX))
    assert tester.errors() == []
    assert [e["reason"] for e in tester.ends()] == [1]
    assert {f.sample_rate for f in tester.frames()} == {24000}


@pytest.mark.parametrize(
    ("model", "params"),
    [("flux-alexis-en", {"speed": 3.0}), ("aura-2-thalia-en", {"expressivity": 1})],
    ids=["flux-speed-out-of-range", "expressivity-on-aura"],
)
def test_a_parameter_the_model_api_refuses_is_fatal_at_init(
    model: str, params: dict[str, Any]
) -> None:
    tester = MissingKeyTester()  # passes on the first error, if its code is -1000
    run_tester(tester, with_params(load_config(SETTING), model=model, **params))
    (error,) = tester.errors()
    assert error["message"].startswith("Initialization failed")


def test_a_flush_reports_what_was_heard_of_the_delivered_audio() -> None:
    tester = FlushAfter(after_ms=1500)
    run_tester(tester, load_config(SETTING, FLUX))
    assert tester.sequence() == [
        "tts_audio_start",
        "tts_text_result",
        "tts_audio_end",
        "tts_flush_end",
    ]
    (end,) = tester.ends()
    assert end["reason"] == 2
    delivered_ms = end["request_total_audio_duration_ms"]
    assert delivered_ms >= 1500
    (result,) = tester.data("tts_text_result")
    assert result["request_id"] == RID
    assert result["text_result_end"] is True
    assert (result["start_ms"], result["duration_ms"]) == (0, delivered_ms)
    assert result["words"] == []
    metadata = result["metadata"]
    assert {k: metadata[k] for k in ("session_id", "turn_id")} == META
    assert (metadata["turn_status"], metadata["turn_seq_id"]) == (2, 0)
    spoken, remaining = result["text"], metadata["text_remaining"]
    assert _words(spoken + remaining) == _words(PASSAGE)
    # What was heard is what the extension delivered: every spoken word's audio (50 ms a
    # character, blanks included) ended within it, and not much more than a word is missing.
    assert spoken.strip()
    assert remaining.strip()
    assert len(spoken.replace(" ", "")) * TONE_MS_PER_CHAR <= delivered_ms
    assert len(spoken) * TONE_MS_PER_CHAR >= delivered_ms - 20 * TONE_MS_PER_CHAR
    assert end["metadata"] == META  # nothing added to tts_audio_end


def test_an_unanswered_interrupt_still_ends_the_flush_in_time(
    emulator_factory: Callable[..., Emulator],
) -> None:
    """Deepgram does not answer the Interrupt: the request ends without a text result once
    the library gives up (``timeouts.clear_s``, 1 s), and the flush is answered."""
    emulator = emulator_factory()
    set_v2_options(emulator, EmulatorV2Options(interrupt_latency_ms=30_000))
    tester = FlushAfter(after_ms=0)
    run_tester(tester, with_params(load_config(SETTING, FLUX), base_url=emulator.ws_url))
    assert tester.sequence() == ["tts_audio_start", "tts_audio_end", "tts_flush_end"]
    assert tester.ends()[0]["reason"] == 2
    # Answered without waiting for the Interrupt: its SpeechInterrupted (30 s away) would have
    # made a tts_text_result, which the sequence above does not hold.
    assert tester.flush_end_at is not None


@pytest.mark.parametrize("flavour", [AURA, FLUX])
def test_the_next_request_after_a_flush_speaks_at_once(flavour: str, vendor: Emulator) -> None:
    """After an interrupted request the same socket (Flux: the same conversation) serves the
    next request: one handshake for both (a socket closed under the next request, the race
    the real TEN runtime found, shows as a second one after a first-audio timeout)."""

    class FlushThenNext(FlushAfter):
        next_sent_at: float | None = None
        next_started_at: float | None = None

        async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
            if message.name == "tts_flush_end" and not self.stopping:
                self.next_sent_at = time.monotonic()
                await ten_env.send_data(text_input("next", HELLO, True, META))
            elif message.name == "tts_audio_start" and message.payload["request_id"] == "next":
                self.next_started_at = message.at
            elif message.name == "tts_audio_end" and message.payload["request_id"] == "next":
                self.succeed(ten_env)
            else:
                await super().on_message(ten_env, message)

    tester = FlushThenNext(after_ms=500)
    handshakes = vendor.total_connections
    run_tester(tester, load_config(SETTING, flavour))
    assert vendor.total_connections - handshakes == 1
    assert [(e["request_id"], e["reason"]) for e in tester.ends()] == [(RID, 2), ("next", 1)]
    results = tester.data("tts_text_result")
    assert len(results) == (1 if flavour == FLUX else 0)  # Aura says nothing of what was heard
    assert tester.errors() == []
    assert tester.next_sent_at is not None
    assert tester.next_started_at is not None


def test_aura_sends_no_text_result_on_flush() -> None:
    tester = FlushAfter(after_ms=500)
    run_tester(tester, load_config(SETTING, AURA))
    assert tester.sequence() == ["tts_audio_start", "tts_audio_end", "tts_flush_end"]
