"""Guarder ``test_append_input_stress.py``: 20 sequential requests, reason 1, 20 dump files.

The guarder sleeps 5 s (blocking) before each request only to pace itself; here the pause is
0.2 s, which asks more of the extension (requests queue up) and leaves every assertion as it
is. The guarder's time limit (30 + 5 s per request) is kept.
"""

from __future__ import annotations

import asyncio
import random
import string
import uuid

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

REQUESTS = 20
PAUSE_S = 0.2


class StressTester(SequenceTester):
    def __init__(self, dump_dir: str) -> None:
        session = f"test_append_input_stress_{uuid.uuid4().hex[:8]}"
        self.ids = [
            f"stress_req_{i}_{uuid.uuid4().hex[:8]}_"
            + "".join(random.choices(string.ascii_lowercase + string.digits, k=6))
            for i in range(REQUESTS)
        ]
        metadata = {r: {"session_id": session, "turn_id": i + 1} for i, r in enumerate(self.ids)}
        super().__init__(metadata, reasons=dict.fromkeys(self.ids, 1))
        self.dump_dir = dump_dir

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        for i, request_id in enumerate(self.ids):
            await asyncio.sleep(PAUSE_S)
            await ten_env.send_data(
                text_input(request_id, f"hello word{i}", True, self.metadata[request_id])
            )

    async def on_start_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        expected = self.ids[len(self.started) - 1]
        if request_id != expected:
            self.fail(ten_env, f"Request order mismatch: expected {expected}, got {request_id}")

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if len(self.completed) < REQUESTS:
            return
        delay = 0.5
        for _ in range(10):
            if len(dump_files(self.dump_dir)) == REQUESTS:
                self.succeed(ten_env)
                return
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 2.0)
        self.fail(ten_env, f"Found {len(dump_files(self.dump_dir))} dump files, expected 20")


@BOTH_APIS
def test_append_input_stress(flavour: str) -> None:
    config = load_config("property_dump.json", flavour)
    reset_dump_dir(config["dump_path"])
    tester = StressTester(config["dump_path"])
    tester.set_timeout((30 + 5 * REQUESTS) * 1_000_000)
    run_tester(tester, config)
    assert [c.request_id for c in tester.completed] == tester.ids
