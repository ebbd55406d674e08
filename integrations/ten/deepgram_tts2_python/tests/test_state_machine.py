"""The upstream extension's state-machine cases: sequential ids each sent on the previous end,
an error then a recovery, the key hidden from ``to_str``, a vendor failure on a non-final chunk
recovered without an error."""

from __future__ import annotations

from collections.abc import Callable

from deepgram_tts2.emulator.server import Emulator
from deepgram_tts2_python.config import DeepgramTTS2Config

from .support import HELLO, SendAndWait, load_config, run_tester, with_params

SETTING = "property_basic_audio_setting1.json"


def test_sequential_ids() -> None:
    ids = ["seq_req_1", "seq_req_2", "seq_req_3"]
    tester = SendAndWait([(rid, HELLO, True) for rid in ids], sequential=True)
    run_tester(tester, load_config(SETTING))
    assert [s["request_id"] for s in tester.data("tts_audio_start")] == ids
    assert [e["request_id"] for e in tester.ends()] == ids


def test_an_error_then_a_recovery(emulator_factory: Callable[..., Emulator]) -> None:
    fault = {
        "kind": "close",
        "code": 1011,
        "reason": "NET-0000",
        "after_audio_bytes": 4800,
        "connections": 1,
    }
    emulator = emulator_factory(faults={"faults": [fault]})
    tester = SendAndWait([("broken", HELLO, True), ("healthy", HELLO, True)], sequential=True)
    run_tester(tester, with_params(load_config(SETTING), base_url=emulator.ws_url))
    assert [(e["request_id"], e["reason"]) for e in tester.ends()] == [
        ("broken", 3),
        ("healthy", 1),
    ]
    (error,) = tester.errors()
    assert error["code"] == 1000
    assert error["id"] == "broken"
    assert error["vendor_info"] == {
        "vendor": "deepgram",
        "code": "NET-0000",
        "message": error["message"],
    }


def test_the_key_is_hidden_but_the_model_shown() -> None:
    config = DeepgramTTS2Config.from_properties(
        {"params": {"api_key": "super-secret-key-12345", "model": "aura-2-luna-en"}}
    )
    assert "super-secret-key-12345" not in config.to_str()
    assert "super-secret-key-12345" not in repr(config)
    assert "aura-2-luna-en" in config.to_str()


def test_a_vendor_failure_on_a_non_final_chunk_is_recovered_silently(
    emulator_factory: Callable[..., Emulator],
) -> None:
    """The socket dies before any audio: the library retries; TEN sees no error at all."""
    fault = {"kind": "close", "code": 1011, "reason": "NET-0000", "connections": 1}
    emulator = emulator_factory(faults={"faults": [fault]})
    tester = SendAndWait(
        [("r", "First part of the answer.", False), ("r", " And the rest of it.", True)]
    )
    run_tester(tester, with_params(load_config(SETTING), base_url=emulator.ws_url))
    assert tester.errors() == []
    assert tester.ends()[0]["reason"] == 1
