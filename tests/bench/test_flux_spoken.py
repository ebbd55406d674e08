"""The Flux ``text_spoken`` row: its ground truth, its rendering, and real rounds of the floor
and ours against an emulator (a naive floor that forgets the session clock must miss)."""

from __future__ import annotations

from typing import Any

from bench.adapters import by_key
from bench.core import Endpoint
from bench.report import headlines, render_spoken
from bench.scenarios import flux_spoken
from bench.scenarios.flux_spoken import TURN_TWO, heard, matches

from deepgram_tts2.emulator.config import Pacing
from deepgram_tts2.emulator.v2.routes import flux_service
from deepgram_tts2.emulator.v2.voices import TONE_CHAR_MS, synthesize_flux
from tests.conftest import TEST_KEY, EmulatorFactory


def by_words(text: str, played_ms: float) -> str:
    """The rule of tests/client/test_flux.py ``heard()``: a word is heard once its last
    character's audio ended (every character, spaces included, lasts TONE_CHAR_MS)."""
    cut = position = 0
    for word in text.split(" "):
        end = position + len(word)
        if end * TONE_CHAR_MS <= played_ms:
            cut = end
        position = end + 1
    return text[:cut]


def test_the_truth_is_the_words_whose_audio_ended_by_the_position() -> None:
    assert heard(TURN_TWO, 600) == "Say hello to"  # "to" ends exactly at 600 ms
    assert heard(TURN_TWO, 599) == "Say hello"
    assert heard(TURN_TWO, 100) == ""
    assert heard(TURN_TWO, 10_000) == TURN_TWO
    for played in range(0, 3200, 25):
        assert heard(TURN_TWO, played) == by_words(TURN_TWO, played)


def test_the_truth_uses_the_tone_voices_real_timing() -> None:
    samples = synthesize_flux(TURN_TWO, "flux-alexis-en", 24000, 1.0, "tone")
    assert len(samples) / 24 == len(TURN_TWO) * TONE_CHAR_MS
    assert "," not in TURN_TWO  # one segment on the server
    assert TURN_TWO.count(".") == 1


def test_a_client_matches_word_for_word_or_not_at_all() -> None:
    assert matches("Say hello to", "Say hello to")
    assert matches(" Say  hello to", "Say hello to")  # whitespace is not a word
    assert not matches("Say hello", "Say hello to")
    assert not matches(TURN_TWO, "Say hello to")
    assert not matches(None, "")


def spoken_section() -> dict[str, Any]:
    return {
        "conditions": ["pacing realistic"],
        "rounds": 2,
        "text": TURN_TWO,
        "positions_ms": [600, 350],
        "clients": {
            "floor (raw websockets, /v2/speak)": flux_spoken.summarize(
                "playback_offset",
                [
                    {
                        "position_ms": 600,
                        "truth": "Say hello to",
                        "got": "Say hello to",
                        "match": True,
                    },
                    {"position_ms": 350, "truth": "Say", "got": "Say", "match": True},
                ],
            ),
            "pipecat DeepgramFluxTTSService": flux_spoken.summarize(
                "bare Interrupt",
                [
                    {"position_ms": 600, "truth": "Say hello to", "got": TURN_TWO, "match": False},
                    {"position_ms": 350, "truth": "Say", "got": None, "match": False, "error": "x"},
                ],
            ),
            "livekit-plugins-deepgram TTSv2": {"skipped": "not installed"},
        },
    }


def test_the_rendering_shows_matches_an_example_and_why_a_client_was_skipped() -> None:
    lines = render_spoken(spoken_section())
    table = [line for line in lines if line.startswith("|")]
    assert len({line.replace("\\|", "").count("|") for line in table}) == 1
    floor = next(line for line in table if line.startswith("| floor"))
    assert '| 2 / 2 | at 600 ms: "Say hello to"; truth "Say hello to" |' in floor
    pipecat = next(line for line in table if line.startswith("| pipecat"))
    assert f'| 0 / 2 | at 600 ms: "{TURN_TWO}"; truth "Say hello to" | x |' in pipecat
    assert "skipped: not installed" in "\n".join(table)
    assert headlines({"flux": {"spoken": spoken_section()}}) == [
        "* Flux, text heard after an interrupt at a known position (realistic pacing), rounds "
        "matching the emulator's ground truth word for word: floor (raw websockets, /v2/speak) "
        "2/2, pipecat DeepgramFluxTTSService 0/2."
    ]


def test_a_round_that_got_nothing_says_so() -> None:
    section = spoken_section()
    section["clients"] = {
        "livekit-plugins-deepgram TTSv2": flux_spoken.summarize(
            "closed", [{"position_ms": 350, "truth": "Say", "got": None, "match": False}]
        )
    }
    assert '| 0 / 1 | at 350 ms: nothing; truth "Say" |' in render_spoken(section)[-1]


async def test_the_floor_and_ours_get_the_truth_and_a_turn_relative_offset_misses(
    emulator_factory: EmulatorFactory,
) -> None:
    # Audio at 4x real time: turn 2 is still being generated when X ms have arrived.
    emulator = await emulator_factory(
        pacing=Pacing(first_audio_ms=0, per_char_ms=0, realtime_factor=4.0)
    )
    endpoint = Endpoint(emulator.ws_url, emulator.http_url, TEST_KEY)
    rounds = 2
    for key in ("floor", "ours"):
        before = flux_service(emulator).total_connections
        row = await flux_spoken.client_rounds(by_key(key, "v2"), endpoint, rounds)
        assert row["errors"] == 0, row["first_error"]
        assert row["matched"] == rounds, row["per_round"]
        # one session per round: turn 2's offset had to count turn 1's audio
        assert flux_service(emulator).total_connections - before == rounds

    async def naive(client: Any, k: int) -> str | None:
        return await flux_spoken.drive_floor(client, k, session_clock=False)

    row = await flux_spoken.client_rounds(by_key("floor", "v2"), endpoint, rounds, driver=naive)
    assert row["errors"] == 0
    assert row["matched"] == 0
    assert all(r["got"] is not None for r in row["per_round"])


def test_every_position_of_the_row_leaves_turn_two_under_way() -> None:
    turn_ms = len(TURN_TWO) * TONE_CHAR_MS
    assert all(0 < played <= turn_ms / 2 for played in flux_spoken.POSITIONS_MS)
    truths = {heard(TURN_TWO, played) for played in flux_spoken.POSITIONS_MS}
    assert len(truths) >= 4  # the positions cut turn 2 at different words
