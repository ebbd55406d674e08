"""Stand-in of ``ten_runtime/loc.py`` (TEN-framework/ten-framework,
``core/src/ten_runtime/binding/python/interface/ten_runtime/loc.py``, tag 0.11.71 = commit
9f1ff4e7, unchanged at 2e56d965). Rewritten for tests: same public names, signatures and
behaviour.
"""

from __future__ import annotations


class Loc:
    """Where a message comes from or goes to."""

    app_uri: str | None
    graph_id: str | None
    extension_name: str | None

    def __init__(
        self,
        app_uri: str | None = None,
        graph_id: str | None = None,
        extension_name: str | None = None,
    ) -> None:
        self.app_uri = app_uri
        self.graph_id = graph_id
        self.extension_name = extension_name
