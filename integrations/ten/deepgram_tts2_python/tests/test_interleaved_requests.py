"""Guarder ``test_interleaved_requests.py``: eight ids sent interleaved are served one at a
time in first-seen order, each with reason 1; eight dump files."""

from __future__ import annotations

import asyncio

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

SESSION = "test_interleaved_requests_session_123"
COUNTS = {1: 6, 2: 4, 3: 1, 4: 3, 5: 2, 6: 3, 7: 1, 8: 3}
ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth"]
ORDER = [
    (1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (1, 3), (1, 4), (3, 0), (2, 2), (2, 3), (1, 5),
    (4, 0), (4, 1), (5, 0), (6, 0), (6, 1), (7, 0), (8, 0), (8, 1), (4, 2), (6, 2), (5, 1),
    (8, 2),
]  # fmt: skip


def rid(n: int) -> str:
    return f"test_interleaved_request_id_{n}"


class InterleavedTester(SequenceTester):
    def __init__(self, dump_dir: str) -> None:
        metadata = {rid(n): {"session_id": SESSION, "turn_id": n} for n in COUNTS}
        super().__init__(metadata, reasons={rid(n): 1 for n in COUNTS})
        self.dump_dir = dump_dir

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        for n, i in ORDER:
            text = f"This is the {ORDINALS[i]} message for request {n}."
            await ten_env.send_data(
                text_input(rid(n), text, i == COUNTS[n] - 1, self.metadata[rid(n)])
            )

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if len(self.completed) == len(COUNTS):
            await asyncio.sleep(1)
            count = len(dump_files(self.dump_dir))
            if count == len(COUNTS):
                self.succeed(ten_env)
            else:
                self.fail(ten_env, f"Found {count} dump files, expected exactly {len(COUNTS)}")


@BOTH_APIS
def test_interleaved_requests(flavour: str) -> None:
    config = load_config("property_dump.json", flavour)
    reset_dump_dir(config["dump_path"])
    tester = InterleavedTester(config["dump_path"])
    run_tester(tester, config)
    assert [c.request_id for c in tester.completed] == [rid(n) for n in range(1, 9)]
