"""Stand-in of ``ten_ai_base/dumper.py`` (TEN-framework/ten_ai_base,
``interface/ten_ai_base/dumper.py``, version 0.7.41 = commit e385b33). Rewritten for tests: same
public names, signatures and behaviour except that the file is written through
``asyncio.to_thread`` instead of ``aiofiles`` (the real module needs the ``aiofiles`` package).
"""

from __future__ import annotations

import asyncio
import os
from typing import BinaryIO


class Dumper:
    def __init__(self, dump_file_path: str) -> None:
        self.dump_file_path: str = dump_file_path
        self._file: BinaryIO | None = None

    async def start(self) -> None:
        """Create the folder and open the file for writing (truncating it)."""
        if self._file:
            return
        os.makedirs(os.path.dirname(self.dump_file_path), exist_ok=True)
        self._file = await asyncio.to_thread(open, self.dump_file_path, "wb")

    async def stop(self) -> None:
        if self._file:
            await asyncio.to_thread(self._file.close)
            self._file = None

    async def push_bytes(self, data: bytes) -> None:
        if not self._file:
            raise RuntimeError(
                f"Dumper for {self.dump_file_path} is not opened. Please start the Dumper first."
            )
        await asyncio.to_thread(self._file.write, data)
