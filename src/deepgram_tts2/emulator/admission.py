"""Concurrency limits of the emulator: per key and per project, separately for each API.

"TTS concurrency limits ... per **project**, not per key", listed separately for REST and
streaming (aura §2.6); past a limit "new requests will receive a 429: Too Many Requests". The
emulator also keeps its long-standing per-key limit (``max_concurrent_ws``/``_rest``). A key
named in no project (``EmulatorConfig.projects``) is a project of its own.

:meth:`ConcurrencyLimiter.try_acquire` checks and takes a slot in one synchronous step, so
concurrent handlers cannot all pass the check before any of them is counted (issue #11: a burst
of 40 REST requests against a limit of 15 all got 200 while the count waited for the body).
"""

from __future__ import annotations

from collections import Counter

from deepgram_tts2.emulator.config import EmulatorConfig
from deepgram_tts2.protocol.v1.url import Api

_Group = tuple[str, str]  # ("project", name) or ("key", key): never logged


class Slot:
    """One admitted request; :meth:`release` (idempotent) frees it."""

    __slots__ = ("_counters", "_groups", "_released")

    def __init__(self, counters: list[Counter[_Group]], groups: list[_Group]) -> None:
        self._counters = counters
        self._groups = groups
        self._released = False

    def release(self) -> None:
        """Give the slot back (only the first call counts)."""
        if self._released:
            return
        self._released = True
        for counter, group in zip(self._counters, self._groups, strict=True):
            counter[group] -= 1
            if counter[group] <= 0:
                del counter[group]


class ConcurrencyLimiter:
    """Open requests per API, counted by key and by project."""

    def __init__(self) -> None:
        self._by_key: dict[Api, Counter[_Group]] = {api: Counter() for api in Api}
        self._by_project: dict[Api, Counter[_Group]] = {api: Counter() for api in Api}

    def active(self, api: Api) -> int:
        """Requests of ``api`` open now."""
        return sum(self._by_key[api].values())

    def try_acquire(self, config: EmulatorConfig, api: Api, key: str) -> Slot | None:
        """Take a slot for ``key`` on ``api``; None when the key's or its project's limit is
        reached (the caller answers 429). No await happens between the check and the take."""
        key_group: _Group = ("key", key)
        project = config.project_of(key)
        project_group: _Group = ("project", project) if project is not None else key_group
        if api is Api.WEBSOCKET:
            key_limit = config.max_concurrent_ws
            project_limit = config.project_max_concurrent_ws or key_limit
        else:
            key_limit = config.max_concurrent_rest
            project_limit = config.project_max_concurrent_rest or key_limit
        by_key, by_project = self._by_key[api], self._by_project[api]
        if by_key[key_group] >= key_limit or by_project[project_group] >= project_limit:
            return None
        by_key[key_group] += 1
        by_project[project_group] += 1
        return Slot([by_key, by_project], [key_group, project_group])
