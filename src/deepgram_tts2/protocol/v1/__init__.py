"""Aura, ``/v1/speak``: messages, query rules, REST shapes, budgets, segmentation, sessions.

Modules: :mod:`.messages` (wire messages, total parsers), :mod:`.url` (query parameters),
:mod:`.rest` (REST shapes), :mod:`.limits` (per-connection budgets), :mod:`.segmenter`
(text -> Speak/Flush plan), :mod:`.client_session` and :mod:`.server_session` (both ends'
rules as transition tables), :mod:`.models` (voice ids).
"""
