"""Dump files under hostile or broken ``dump_path``s (issue #11, item 4).

Files are created without following symlinks and without overwriting anything; a dump folder
that cannot be used is reported at ``on_init`` (NON_FATAL 1000); a dump that fails mid-run is
reported once (NON_FATAL) and the request still ends normally with all its audio, and so does
the next request.
"""

from __future__ import annotations

import os
import pathlib
import shutil

from ten_runtime import AsyncTenEnvTester

from deepgram_tts2_python.extension import dump_file_name

from .support import (
    HELLO,
    ScriptTester,
    SendAndWait,
    dump_files,
    load_config,
    run_tester,
    text_input,
)

META = {"session_id": "s", "turn_id": 1}


def _config(dump_path: str) -> dict[str, object]:
    return load_config("property_dump.json", dump_path=dump_path)


def test_a_dump_path_that_is_a_file_is_reported_at_init_and_audio_still_flows(
    fresh_cwd: pathlib.Path,
) -> None:
    (fresh_cwd / "dumpfile").write_text("not a folder")
    tester = SendAndWait([("r1", HELLO, True), ("r2", HELLO, True)])
    run_tester(tester, _config("dumpfile"))
    (error,) = tester.errors()
    assert error["code"] == 1000
    assert error["id"] == ""
    assert "dump_path" in error["message"]
    assert [(e["request_id"], e["reason"]) for e in tester.ends()] == [("r1", 1), ("r2", 1)]
    assert tester.frames()
    assert (fresh_cwd / "dumpfile").read_text() == "not a folder"


def test_a_dump_path_that_cannot_be_created_is_reported_at_init(fresh_cwd: pathlib.Path) -> None:
    (fresh_cwd / "afile").write_text("x")
    tester = SendAndWait([("r1", HELLO, True)])
    run_tester(tester, _config("afile/dumps"))
    (error,) = tester.errors()
    assert error["code"] == 1000
    assert "dump_path" in error["message"]
    assert tester.ends()[0]["reason"] == 1


def test_a_planted_symlink_is_not_followed(fresh_cwd: pathlib.Path) -> None:
    dump_dir = fresh_cwd / "dumps"
    dump_dir.mkdir()
    victim = fresh_cwd / "victim.txt"
    victim.write_text("precious")
    (dump_dir / dump_file_name("r1")).symlink_to(victim)
    (dump_dir / dump_file_name("r1", 1)).symlink_to(fresh_cwd / "dangling-target")
    tester = SendAndWait([("r1", HELLO, True)])
    run_tester(tester, _config(str(dump_dir)))
    assert tester.errors() == []
    assert tester.ends()[0]["reason"] == 1
    assert victim.read_text() == "precious"
    assert not (fresh_cwd / "dangling-target").exists()
    (dump,) = [p for p in dump_files(str(dump_dir)) if not os.path.islink(p)]
    assert pathlib.Path(dump).read_bytes() == b"".join(f.audio for f in tester.frames())


def test_an_existing_file_is_never_overwritten(fresh_cwd: pathlib.Path) -> None:
    dump_dir = fresh_cwd / "dumps"
    dump_dir.mkdir()
    earlier = dump_dir / dump_file_name("r1")
    earlier.write_bytes(b"an earlier run")
    tester = SendAndWait([("r1", HELLO, True)])
    run_tester(tester, _config(str(dump_dir)))
    assert earlier.read_bytes() == b"an earlier run"
    assert (dump_dir / dump_file_name("r1", 1)).read_bytes() == b"".join(
        f.audio for f in tester.frames()
    )


class VanishingDumpDir(ScriptTester):
    """The dump folder becomes a file after on_init: the next dumps cannot be created."""

    def __init__(self, dump_dir: pathlib.Path) -> None:
        super().__init__()
        self.dump_dir = dump_dir

    async def script(self, ten_env: AsyncTenEnvTester) -> None:
        await ten_env.send_data(text_input("warmup", "", True, META))  # on_init is over
        await self.wait_for(lambda: self.ended("warmup"))
        shutil.rmtree(self.dump_dir)
        self.dump_dir.write_text("now a file")
        for request_id in ("r1", "r2"):
            await ten_env.send_data(text_input(request_id, HELLO, True, META))
            await self.wait_for(lambda rid=request_id: self.ended(rid))


def test_a_dump_failure_is_reported_once_and_the_requests_still_end(
    fresh_cwd: pathlib.Path,
) -> None:
    dump_dir = fresh_cwd / "dumps"
    tester = VanishingDumpDir(dump_dir)
    run_tester(tester, _config(str(dump_dir)))
    (error,) = tester.errors()
    assert error["code"] == 1000
    assert error["id"] == "r1"
    assert "dump" in error["message"]
    ends = {e["request_id"]: e for e in tester.ends()}
    assert ends["r1"]["reason"] == 1
    assert ends["r2"]["reason"] == 1
    assert ends["r1"]["request_total_audio_duration_ms"] > 0
    frames_r1 = [f for f in tester.frames() if f.metadata == META]
    assert frames_r1
