"""``dgtts speak -o``: bad outputs fail before connecting, failed runs leave files untouched,
``/dev/full`` and broken pipes are reported, ``--json`` never mixes with audio on stdout."""

from __future__ import annotations

import json
import os
import pathlib
import pty
import resource
import stat
import subprocess

import pytest
import soundfile

from tests.cli.conftest import SERVED_KEY
from tests.cli.support import (
    DGTTS,
    environment,
    free_port,
    leftovers,
    run,
    run_bytes,
    wav_sizes,
)

LONG_TEXT = (
    "Thanks for waiting. I looked into your account and found two charges from last week. "
    "The first one is your regular monthly plan, and the second is a one-time fee."
)


def refused_url() -> str:
    return f"ws://127.0.0.1:{free_port()}/v1/speak"


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("missing/out.wav", "does not exist"),
        (".", "is a folder"),
        ("plain.txt/out.wav", "is not a folder"),
    ],
)
def test_a_bad_output_exits_2_before_connecting(
    tmp_path: pathlib.Path, target: str, words: str
) -> None:
    (tmp_path / "plain.txt").write_text("not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    output = str(tmp_path / target)
    # A refused endpoint would exit 4 if the output were checked after connecting.
    result = run("speak", "Hi.", "-o", output, "--url", refused_url(), "--api-key", "k")
    assert result.returncode == 2, result.stderr
    assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_bad_output_is_refused_before_the_embedded_emulator_starts(
    tmp_path: pathlib.Path,
) -> None:
    result = run("speak", "Hi.", "-o", str(tmp_path / "missing" / "out.wav"))
    assert result.returncode == 2
    assert "the folder" in result.stderr
    assert "embedded emulator" not in result.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere; see the /sys variant")
def test_an_unwritable_folder_exits_2(tmp_path: pathlib.Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        result = run("speak", "Hi.", "-o", str(folder / "out.wav"), "--url", refused_url())
    finally:
        folder.chmod(0o700)
    assert result.returncode == 2
    assert "Permission denied" in result.stderr
    assert list(folder.iterdir()) == []


@pytest.mark.skipif(not os.path.isdir("/sys/kernel"), reason="needs sysfs")
def test_a_folder_nobody_may_create_files_in_exits_2() -> None:
    result = run(
        "speak", "Hi.", "-o", "/sys/kernel/dgtts-test.wav", "--url", refused_url(), "--api-key", "k"
    )
    assert result.returncode == 2
    assert "cannot write /sys/kernel/dgtts-test.wav" in result.stderr
    assert not os.path.exists("/sys/kernel/dgtts-test.wav")


def test_dev_full_is_reported_and_stays_a_device() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    for fmt in ("wav", "raw"):  # wav fails on the header, raw on the first audio
        result = run("speak", "Hi.", "-o", "/dev/full", "--format", fmt)
        assert result.returncode == 2, result.stderr
        assert "cannot write audio to /dev/full: No space left on device" in result.stderr
        assert "Traceback" not in result.stderr
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_write_that_fails_midway_leaves_the_old_file_untouched(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "speech.wav"
    out.write_bytes(b"the previous take")

    def small_files() -> None:  # a full disk, as the process sees it: writes past 20 kB fail
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    result = subprocess.run(
        [*DGTTS, "speak", LONG_TEXT, "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment(),
        preexec_fn=small_files,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert f"cannot write audio to {out}: File too large" in result.stderr
    assert out.read_bytes() == b"the previous take"
    assert leftovers(tmp_path) == []


def test_a_failed_request_leaves_the_old_file_untouched(
    served: tuple[str, subprocess.Popen[str]], tmp_path: pathlib.Path
) -> None:
    url, _ = served
    out = tmp_path / "speech.wav"
    out.write_bytes(b"the previous take")
    result = run("speak", "Hi.", "--url", url, "--api-key", "wrong", "-o", str(out))
    assert result.returncode == 3
    assert len(result.stderr.strip().splitlines()) == 1
    assert out.read_bytes() == b"the previous take"
    assert leftovers(tmp_path) == []


def test_success_replaces_the_file_keeping_its_permissions(
    served: tuple[str, subprocess.Popen[str]], tmp_path: pathlib.Path
) -> None:
    url, _ = served
    out = tmp_path / "speech.wav"
    out.write_bytes(b"the previous take")
    out.chmod(0o640)
    result = run("speak", "Served.", "--url", url, "--api-key", SERVED_KEY, "-o", str(out))
    assert result.returncode == 0, result.stderr
    riff, data, size = wav_sizes(out)
    assert (riff, data) == (size - 8, size - 44)
    assert data == len("Served.") * 1200 * 2
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_a_symlink_is_written_through(
    served: tuple[str, subprocess.Popen[str]], tmp_path: pathlib.Path
) -> None:
    url, _ = served
    real = tmp_path / "takes" / "real.wav"
    real.parent.mkdir()
    link = tmp_path / "latest.wav"
    link.symlink_to(real)
    result = run("speak", "Served.", "--url", url, "--api-key", SERVED_KEY, "-o", str(link))
    assert result.returncode == 0, result.stderr
    assert link.is_symlink()
    assert soundfile.info(real).frames == len("Served.") * 1200


def test_json_goes_to_stderr_when_the_audio_goes_to_stdout(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _ = served
    result = run_bytes(
        "speak", "Served.", "--url", url, "--api-key", SERVED_KEY, "-o", "-", "--json"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stderr.decode().strip().splitlines()[-1])
    assert result.stdout[:4] == b"RIFF"
    assert len(result.stdout) == 44 + report["bytes"] == 44 + len("Served.") * 1200 * 2
    assert report["output"] == "-"


def test_stdout_redirected_to_a_file_gets_the_real_wav_sizes(
    served: tuple[str, subprocess.Popen[str]], tmp_path: pathlib.Path
) -> None:
    url, _ = served
    out = tmp_path / "redirected.wav"
    with out.open("wb") as handle:
        result = subprocess.run(
            [*DGTTS, "speak", "Served.", "--url", url, "--api-key", SERVED_KEY, "-o", "-"],
            stdout=handle,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=environment(),
            check=False,
        )
    assert result.returncode == 0, result.stderr
    riff, data, size = wav_sizes(out)
    assert (riff, data) == (size - 8, size - 44) == (36 + 16800, 16800)


def test_stdout_on_a_pipe_gets_streaming_placeholders(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _ = served
    result = run_bytes("speak", "Served.", "--url", url, "--api-key", SERVED_KEY, "-o", "-")
    assert result.returncode == 0
    assert result.stdout[4:8] == (0x7FFF0024).to_bytes(4, "little")
    assert result.stdout[40:44] == (0x7FFF0000).to_bytes(4, "little")


def test_audio_is_not_written_to_a_terminal(tmp_path: pathlib.Path) -> None:
    primary, secondary = pty.openpty()
    try:
        result = subprocess.run(
            [*DGTTS, "speak", "Hi.", "-o", "-", "--url", refused_url(), "--api-key", "k"],
            stdout=secondary,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            env=environment(),
            check=False,
        )
    finally:
        os.close(secondary)
        os.close(primary)
    assert result.returncode == 2
    assert "refusing to write audio to a terminal" in result.stderr


def test_a_closed_pipe_ends_the_run_quietly_with_141(
    served: tuple[str, subprocess.Popen[str]],
) -> None:
    url, _ = served
    text = LONG_TEXT * 2  # ~650 kB of tone audio: far more than a pipe holds
    with subprocess.Popen(
        [*DGTTS, "speak", text, "--url", url, "--api-key", SERVED_KEY, "-o", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
    ) as process:
        assert process.stdout is not None
        assert process.stderr is not None
        assert process.stdout.read(44)[:4] == b"RIFF"  # like `| head -c 44`
        process.stdout.close()
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=60) == 141
    assert stderr == ""
