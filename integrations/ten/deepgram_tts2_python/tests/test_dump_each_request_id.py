"""Guarder ``test_dump_each_request_id.py``: two requests one after the other, two dump files."""

from __future__ import annotations

import asyncio

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

SESSION = "test_dump_each_request_id_session_123"
FIRST = "test_dump_each_request_id_request_id_1"
SECOND = "test_dump_each_request_id_request_id_2"


class EachRequestTester(SequenceTester):
    def __init__(self, dump_dir: str) -> None:
        meta = {"session_id": SESSION, "turn_id": 1}
        super().__init__({FIRST: meta, SECOND: meta})
        self.dump_dir = dump_dir

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        await ten_env.send_data(text_input(FIRST, HELLO, True, self.metadata[FIRST]))

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if request_id == FIRST:
            await asyncio.sleep(1)
            text = "second request id" + HELLO
            await ten_env.send_data(text_input(SECOND, text, True, self.metadata[SECOND]))
            return
        await asyncio.sleep(1)
        count = len(dump_files(self.dump_dir))
        if count == 2:
            self.succeed(ten_env)
        else:
            self.fail(ten_env, f"Found {count} dump files, expected exactly 2")


@BOTH_APIS
def test_dump_each_request_id(flavour: str) -> None:
    config = load_config("property_dump.json", flavour)
    reset_dump_dir(config["dump_path"])
    tester = EachRequestTester(config["dump_path"])
    run_tester(tester, config)
    assert [c.request_id for c in tester.completed] == [FIRST, SECOND]
