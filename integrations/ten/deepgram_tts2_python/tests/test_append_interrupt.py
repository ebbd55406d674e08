"""Guarder ``test_append_interrupt.py``: flush on the first frame of group 1; group 2 never
starts; after ``tts_flush_end`` one dump file; groups 3 and 4 then complete; three dump files.

The guarder's blocking 5 s sleep before counting dump files at ``tts_flush_end`` is 1 s here:
the file must be complete sooner, which asks more of the extension; the count is the same.
"""

from __future__ import annotations

import asyncio

from ten_runtime import AsyncTenEnvTester

from .support import (
    BOTH_APIS,
    Received,
    SequenceTester,
    dump_files,
    flush_data,
    load_config,
    reset_dump_dir,
    run_tester,
    text_input,
)

SESSION = "test_append_interrupt_session_123"
FLUSH_ID = f"test_append_interrupt_flush_{SESSION}"
GROUPS = [
    [
        "Hello world, this is the first text input with longer content.",
        "This is the second text input for testing with more words and sentences.",
        "This is the third text input in the first group, containing even more content.",
        "This is the fourth text input in the first group, with additional text to ensure "
        "sufficient length.",
        "This is the fifth text input in the first group, providing more content for testing.",
    ],
    [
        "And this is the third text input message.",
        "This group should not generate audio after flush.",
    ],
    ["Now we start the third group of inputs.", "This is the fifth text input message."],
    ["And finally the fourth group text input message."],
]
DUMP_WAIT_AT_FLUSH_END_S = 1.0


def rid(n: int) -> str:
    return f"test_append_interrupt_request_id_{n}"


class AppendInterruptTester(SequenceTester):
    def __init__(self, dump_dir: str) -> None:
        metadata = {rid(n): {"session_id": SESSION, "turn_id": n} for n in range(1, 5)}
        super().__init__(metadata, reasons={rid(1): 2, rid(3): 1, rid(4): 1})
        self.dump_dir = dump_dir
        self.flush_sent = False
        self.flush_end_received = False
        self.flush_metadata = {"session_id": SESSION}

    async def _send_group(self, ten_env: AsyncTenEnvTester, n: int) -> None:
        texts = GROUPS[n - 1]
        for i, text in enumerate(texts):
            data = text_input(rid(n), text, i == len(texts) - 1, self.metadata[rid(n)])
            await ten_env.send_data(data)

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        await self._send_group(ten_env, 1)
        await self._send_group(ten_env, 2)

    async def on_frame(self, ten_env: AsyncTenEnvTester, request_id: str, frame: Received) -> None:
        if not self.flush_sent and request_id == rid(1):
            self.flush_sent = True
            await ten_env.send_data(flush_data(FLUSH_ID, self.flush_metadata))

    async def on_start_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if request_id == rid(2):
            self.fail(ten_env, "group 2 started: it was queued before the flush")
        elif self.flush_sent and not self.flush_end_received and request_id != rid(1):
            self.fail(ten_env, f"{request_id} started between the flush and tts_flush_end")

    async def on_other(self, ten_env: AsyncTenEnvTester, message: Received) -> None:
        if message.name != "tts_flush_end":
            return
        payload = message.payload
        if not self.flush_sent:
            self.fail(ten_env, "Received tts_flush_end but flush was not sent")
        elif payload.get("flush_id") != FLUSH_ID:
            self.fail(ten_env, f"Flush ID mismatch: {payload.get('flush_id')}")
        elif payload.get("metadata") != self.flush_metadata:
            self.fail(ten_env, f"Metadata mismatch in flush_end: {payload.get('metadata')}")
        elif [c.request_id for c in self.completed] != [rid(1)]:
            self.fail(ten_env, f"tts_flush_end after {[c.request_id for c in self.completed]}")
        else:
            self.flush_end_received = True
            await asyncio.sleep(DUMP_WAIT_AT_FLUSH_END_S)
            count = len(dump_files(self.dump_dir))
            if count != 1:
                self.fail(ten_env, f"Found {count} dump files at flush_end, expected exactly 1")
                return
            await self._send_group(ten_env, 3)
            await self._send_group(ten_env, 4)

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if request_id == rid(4):
            await asyncio.sleep(1)
            count = len(dump_files(self.dump_dir))
            if count == 3:
                self.succeed(ten_env)
            else:
                self.fail(ten_env, f"Found {count} dump files after all groups, expected 3")


@BOTH_APIS
def test_append_interrupt(flavour: str) -> None:
    config = load_config("property_dump.json", flavour)
    reset_dump_dir(config["dump_path"])
    tester = AppendInterruptTester(config["dump_path"])
    run_tester(tester, config)
    assert [(c.request_id, c.reason) for c in tester.completed] == [
        (rid(1), 2),
        (rid(3), 1),
        (rid(4), 1),
    ]
