"""Guarder ``test_dump.py`` (a normal request with dumps on), plus the upstream extension's dump
test (the file is byte-identical to the frames) and safety cases."""

from __future__ import annotations

import os
import pathlib

from ten_runtime import AsyncTenEnvTester

from .support import (
    BOTH_APIS,
    HELLO,
    SequenceTester,
    dump_files,
    load_config,
    reset_dump_dir,
    run_tester,
    text_input,
)


class OneRequestTester(SequenceTester):
    def __init__(self, requests: list[tuple[str, str]]) -> None:
        self.requests = requests
        meta = {"session_id": "test_dump_session_123", "turn_id": 1}
        super().__init__({rid: meta for rid, _ in requests})

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        for rid, text in self.requests:
            await ten_env.send_data(text_input(rid, text, True, self.metadata[rid]))

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if len(self.completed) == len(self.requests):
            self.succeed(ten_env)


@BOTH_APIS
def test_dump(flavour: str) -> None:
    config = load_config("property_dump.json", flavour)
    reset_dump_dir(config["dump_path"])
    tester = OneRequestTester([("test_dump_request_id_1", HELLO)])
    run_tester(tester, config)


@BOTH_APIS
def test_dump_is_byte_identical_to_the_frames(flavour: str) -> None:
    config = load_config("property_dump.json", flavour)
    reset_dump_dir(config["dump_path"])
    tester = OneRequestTester([("bytes", HELLO)])
    run_tester(tester, config)
    (dump,) = dump_files(config["dump_path"])
    assert pathlib.Path(dump).read_bytes() == b"".join(f.audio for f in tester.frames())
    assert os.stat(dump).st_mode & 0o777 == 0o600


def test_a_hostile_request_id_cannot_escape_dump_path(fresh_cwd: pathlib.Path) -> None:
    config = load_config("property_dump.json")
    reset_dump_dir(config["dump_path"])
    ids = ["../../x", "/etc/passwd", "..", "a/../../b"]
    run_tester(OneRequestTester([(rid, "Escape attempt.") for rid in ids]), config)
    dumps = dump_files(config["dump_path"])
    assert len(dumps) == len(ids)
    root = (fresh_cwd / config["dump_path"]).resolve()
    assert all(pathlib.Path(p).resolve().parent == root for p in dumps)
    assert sorted(p.name for p in fresh_cwd.rglob("*.pcm")) == sorted(
        os.path.basename(p) for p in dumps
    )


def test_no_dump_without_audio() -> None:
    config = load_config("property_dump.json")
    reset_dump_dir(config["dump_path"])
    run_tester(OneRequestTester([("blank", "   ")]), config)
    assert dump_files(config["dump_path"]) == []
