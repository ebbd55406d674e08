"""ten_ai_base ``helper.py``: the input queue with ``flush``."""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any


class AsyncQueue:
    def __init__(self) -> None:
        self._items: deque[Any] = deque()
        self._ready = asyncio.Event()

    async def put(self, item: Any) -> None:
        self._items.append(item)
        self._ready.set()

    async def get(self) -> Any:
        while not self._items:
            self._ready.clear()
            await self._ready.wait()
        return self._items.popleft()

    async def flush(self) -> None:
        self._items.clear()

    def empty(self) -> bool:
        return not self._items
