"""Guarder ``test_append_input.py``: seven groups (group 6 is empty and never sent), six
ordered requests, six dump files (counted 1 s after the last end, as the guarder does)."""

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

SESSION = "test_append_input_session_123"
GROUPS = [
    [
        "Hello world, this is the first text input.",
        "This is the second text input for testing.",
        "",
    ],
    ["And this is the third text input message.", ","],
    ["Now we start the second group of inputs.", "This is the fifth text input message.", " "],
    ["And finally the sixth text input message.", "😊"],
    [
        "This is group 5, first text.",
        "This is group 5, second text.",
        "This is group 5, third text.",
    ],
    [""],
    ["This is group 7, first text.", "This is group 7, second text."],
]
SENT = [n for n, texts in enumerate(GROUPS, 1) if any(t.strip() for t in texts)]


def rid(n: int) -> str:
    return f"test_append_input_request_id_{n}"


class AppendInputTester(SequenceTester):
    def __init__(self, dump_dir: str) -> None:
        super().__init__(
            {rid(n): {"session_id": SESSION, "turn_id": n} for n in SENT}, errors_fail=False
        )
        self.dump_dir = dump_dir

    async def on_start(self, ten_env: AsyncTenEnvTester) -> None:
        for n in SENT:
            texts = GROUPS[n - 1]
            for i, text in enumerate(texts):
                data = text_input(rid(n), text, i == len(texts) - 1, self.metadata[rid(n)])
                await ten_env.send_data(data)

    async def on_start_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        expected = rid(SENT[len(self.started) - 1])
        if request_id != expected:
            self.fail(ten_env, f"Request ID mismatch: expected {expected}, got {request_id}")

    async def on_end_of(self, ten_env: AsyncTenEnvTester, request_id: str) -> None:
        if len(self.completed) == len(SENT):
            await asyncio.sleep(1)
            count = len(dump_files(self.dump_dir))
            if count == len(SENT):
                self.succeed(ten_env)
            else:
                self.fail(ten_env, f"Found {count} dump files, expected exactly {len(SENT)}")


@BOTH_APIS
def test_append_input(flavour: str) -> None:
    config = load_config("property_dump.json", flavour)
    reset_dump_dir(config["dump_path"])
    tester = AppendInputTester(config["dump_path"])
    run_tester(tester, config)
    assert [c.request_id for c in tester.completed] == [rid(n) for n in SENT]
    assert tester.errors() == []
