"""Guarder ``test_append_input_without_text_input_end.py``: audio without the end flag, quiet.

The guarder's watchdog is its assertion: 5 s without a new frame while exactly one
``tts_audio_start`` was seen -> pass; it is kept at 5 s. Metadata is compared with ``==``.
When the watchdog stops the test the extension is stopped with request 1 still open: anything
it sends then (a ``tts_audio_end`` with reason 2 from a shutdown treated like a flush) reaches
the tester and fails the reason check, as it did on the real runtime about half the time.
"""

from __future__ import annotations

import asyncio
import time

from ten_runtime import AsyncTenEnvTester

from .support import (
    BOTH_APIS,
    SequenceTester,
    dump_files,
    load_config,
    reset_dump_dir,
    run_tester,
    text_input,
)

SESSION = "test_append_input_without_text_input_end_session_123"
GROUPS = [
    [
        "Hello world, this is the first text input. Make it very very loooooog in order to "
        "make some vendor to emit audio immediately.",
        "This is the second text input for testing. Also make this very very looooong in "
        "order to make some verdor to edit audio immediately.",
        "",
    ],
    ["And this is the third text input message.", ","],
]
IDS = [f"test_append_input_request_id_{n}" for n in (1, 2)]
WATCHDOG_S = 5.0


class WithoutEndTester(SequenceTester):
    def __init__(self, dump_dir: str) -> None:
        metadata = {rid: {"session_id": SESSION, "turn_id": n} for n, rid in enumerate(IDS, 1)}
        super().__init__(
            metadata, reasons=dict.fromkeys(IDS, 1), exact_metadata=True, errors_fail=False
        )
        self.dump_dir = dump_dir
        self.last_frame: float | None = None
        self.watchdog: asyncio.Task[None] | None = None

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        for rid, texts in zip(IDS, GROUPS):  # noqa: B905 - same lengths
            for text in texts:
                await ten_env.send_data(text_input(rid, text, False, self.metadata[rid]))

    async def on_frame(self, ten_env: AsyncTenEnvTester, request_id: str, frame: object) -> None:
        self.last_frame = time.monotonic()
        if self.watchdog is None:
            self.watchdog = asyncio.get_running_loop().create_task(self._watch(ten_env))

    async def _watch(self, ten_env: AsyncTenEnvTester) -> None:
        while not self.stopping:
            await asyncio.sleep(0.5)
            assert self.last_frame is not None
            quiet = time.monotonic() - self.last_frame
            if quiet >= WATCHDOG_S and len(self.started) == 1:
                self.succeed(ten_env)

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if len(self.completed) == len(IDS):  # the extension ended both requests itself
            await asyncio.sleep(1)
            count = len(dump_files(self.dump_dir))
            if count == len(IDS):
                self.succeed(ten_env)
            else:
                self.fail(ten_env, f"Found {count} dump files, expected exactly {len(IDS)}")

    async def on_stop(self, ten_env: AsyncTenEnvTester) -> None:
        if self.watchdog is not None:
            self.watchdog.cancel()


@BOTH_APIS
def test_append_input_without_text_input_end(flavour: str) -> None:
    config = load_config("property_dump.json", flavour)
    reset_dump_dir(config["dump_path"])
    tester = WithoutEndTester(config["dump_path"])
    run_tester(tester, config)
    assert tester.started == [IDS[0]]
    assert tester.frames()
