"""The one table of server conditions shared by ``dgtts bench`` and ``bench/``."""

from __future__ import annotations

import argparse

import pytest

from deepgram_tts2.emulator.cli_options import add_serve_arguments, config_from_args
from deepgram_tts2.emulator.config import EmulatorConfig
from deepgram_tts2.loadtest.emulator import (
    PACING_PRESETS,
    Budgets,
    ServerConditions,
    SynthesisReading,
    process_cpu_s,
    process_tree,
)
from deepgram_tts2.protocol.v1.server_session import SynthesisStart


def serve_config(conditions: ServerConditions) -> EmulatorConfig:
    parser = argparse.ArgumentParser()
    add_serve_arguments(parser)
    parser.add_argument("--workers", type=int, default=1)
    return config_from_args(parser.parse_args(["--port", "0", *conditions.serve_args()]))


def test_every_preset_is_a_valid_serve_command_line() -> None:
    for name in PACING_PRESETS:
        serve_config(ServerConditions(pacing=name))


def test_the_fast_preset_is_20_ms_everywhere() -> None:
    config = serve_config(ServerConditions(pacing="fast"))
    assert config.pacing.first_audio_ms == 20
    assert config.pacing.realtime_factor == 0


def test_realtime_generates_faster_than_real_time_and_plays_out() -> None:
    preset = PACING_PRESETS["realtime"]
    assert preset.playout
    assert serve_config(ServerConditions(pacing="realtime")).pacing.realtime_factor > 1


def test_deepgram_budgets_by_default_and_lifted_on_request() -> None:
    default = serve_config(ServerConditions())
    assert default.flushes_per_window == 20
    assert default.chars_per_window == 2400
    lifted = serve_config(ServerConditions(budgets=Budgets.LIFTED))
    assert lifted.flushes_per_window == 1_000_000


def test_deflate_off_and_the_synthesis_reading_reach_the_emulator() -> None:
    config = serve_config(ServerConditions(synthesis=SynthesisReading.SENTENCE, synthesis_chars=60))
    assert config.permessage_deflate is False
    assert config.synthesis_start is SynthesisStart.SENTENCE
    assert config.synthesis_start_chars == 60


def test_workers_are_passed_only_when_more_than_one() -> None:
    assert "--workers" not in ServerConditions().serve_args()
    args = ServerConditions(workers=3).serve_args()
    assert args[args.index("--workers") + 1] == "3"


def test_the_description_states_every_condition() -> None:
    text = ServerConditions(workers=2, synthesis=SynthesisReading.SENTENCE).describe()
    for part in ("pacing realistic", "permessage-deflate off", "20 Flushes", "2 emulator"):
        assert part in text
    assert "sentence ends" in text


def test_bad_conditions_are_refused() -> None:
    with pytest.raises(ValueError, match="pacing"):
        ServerConditions(pacing="warp")
    with pytest.raises(ValueError, match="workers"):
        ServerConditions(workers=0)


def test_this_process_has_cpu_time_and_no_children_of_its_own() -> None:
    import os

    assert os.getpid() in process_tree(os.getpid())
    assert process_cpu_s(os.getpid()) > 0
    assert process_cpu_s(2**22 + 12345) == 0.0
