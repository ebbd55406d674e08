"""Stand-in of ``ten_runtime/send_options.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/send_options.py``, tag 0.11.71 =
commit 9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations


class SendOptions:
    """``wait_for_result=False`` (the default) sends fire-and-forget, returning only a
    synchronous error; ``True`` waits for the runtime's verdict on the send."""

    wait_for_result: bool

    def __init__(self, wait_for_result: bool = False) -> None:
        self.wait_for_result = wait_for_result
