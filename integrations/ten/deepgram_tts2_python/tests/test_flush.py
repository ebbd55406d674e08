"""Guarder ``test_flush.py``: flush on the first frame -> end(2), then flush_end, then silence.

The guarder's 5 s watch after ``tts_flush_end`` is its assertion (nothing but ``metrics`` may
arrive), so it is kept at 5 s.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from ten_runtime import AsyncTenEnvTester

from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.server import Emulator

from .support import (
    AURA,
    BOTH_APIS,
    Received,
    RecordingTester,
    flush_data,
    load_config,
    run_tester,
    text_input,
    with_params,
)

PASSAGE = (
    "Mr. and Mrs. Dursley, of number four, Privet Drive, were proud to say that they were "
    "perfectly normal, thank you very much. They were the last people you'd expect to be "
    "involved in anything strange or mysterious, because they just didn't hold with such "
    "nonsense."
)
FLUSH_ID = "test_flush_request_id_1"
SESSION = "test_flush_session_123"
WATCH_S = 5.0


class FlushTester(RecordingTester):
    def __init__(self) -> None:
        super().__init__()
        self.flush_sent = False
        self.audio_end_received = False
        self.flush_end_received = False
        self.after_flush_end: list[Received] = []
        self.sent_metadata = {"session_id": SESSION}

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        meta = {"session_id": SESSION, "turn_id": 1}
        await ten_env.send_data(text_input(FLUSH_ID, PASSAGE, False, meta))

    async def on_message(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if self.stopping:
            return
        if message.kind == "audio":
            if self.flush_end_received:
                self.after_flush_end.append(message)
            elif not self.flush_sent:
                self.flush_sent = True
                await ten_env.send_data(flush_data(FLUSH_ID, self.sent_metadata))
            return
        payload = message.payload
        if message.name == "error":
            self.fail(ten_env, f"Received wrong error code: {payload.get('code')}")
        elif message.name == "tts_audio_end":
            if payload.get("reason") != 2:
                self.fail(ten_env, f"Received wrong tts_audio_end reason: {payload.get('reason')}")
            else:
                self.audio_end_received = True
        elif message.name == "tts_flush_end":
            if not self.audio_end_received:
                self.fail(ten_env, "Received tts_flush_end before tts_audio_end")
            elif payload.get("flush_id") != FLUSH_ID:
                self.fail(ten_env, f"Flush ID mismatch: {payload.get('flush_id')}")
            elif payload.get("metadata") != self.sent_metadata:
                self.fail(ten_env, f"Metadata mismatch in flush_end: {payload.get('metadata')}")
            else:
                self.flush_end_received = True
                asyncio.get_running_loop().create_task(self._watch(ten_env))
        elif self.flush_end_received and message.name != "metrics":
            self.after_flush_end.append(message)

    async def _watch(self, ten_env: AsyncTenEnvTester) -> None:
        await asyncio.sleep(WATCH_S)
        if self.after_flush_end:
            names = [m.name for m in self.after_flush_end]
            self.fail(ten_env, f"Received additional data after flush_end: {names}")
        else:
            self.succeed(ten_env)


def _config(flavour: str = AURA, base_url: str | None = None) -> dict[str, Any]:
    config = load_config("property_dump.json", flavour)
    config["dump"] = False  # as the guarder does
    return config if base_url is None else with_params(config, base_url=base_url)


@BOTH_APIS
def test_flush(flavour: str) -> None:
    tester = FlushTester()
    run_tester(tester, _config(flavour))
    assert [e["reason"] for e in tester.ends()] == [2]
    assert tester.data("tts_flush_end") == [
        {"flush_id": FLUSH_ID, "metadata": {"session_id": SESSION}}
    ]


@BOTH_APIS
def test_flush_with_frames_in_flight(
    emulator_factory: Callable[..., Emulator], flavour: str
) -> None:
    """Real-time pacing: frames are still on the wire when the flush arrives."""
    slow = emulator_factory(
        pacing=Pacing(first_audio_ms=50, per_char_ms=0, chunk_ms=20, realtime_factor=1.0)
    )
    tester = FlushTester()
    run_tester(tester, _config(flavour, slow.ws_url))
    names = [m.name for m in tester.received if m.kind == "data"]
    assert names.index("tts_audio_end") < names.index("tts_flush_end")
    assert tester.after_flush_end == []
