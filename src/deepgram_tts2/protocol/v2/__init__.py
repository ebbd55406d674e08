"""Flux, ``/v2/speak``: messages, codes, query rules, REST shapes, turn machines, text alignment.

Modules: :mod:`.codes` (Error, Warning, ConfigureFailure and handshake codes, close codes,
classification), :mod:`.messages` (wire messages, total parsers, serializers), :mod:`.models`
(voices), :mod:`.url` (query parameters), :mod:`.rest` (REST shapes), :mod:`.controls` (inline
controls, character counting), :mod:`.segments` (where synthesis may start), :mod:`.alignment`
(text_spoken / text_remaining), :mod:`.server_session` and :mod:`.client_session` (both ends'
turn rules as transition tables).

Spec: ``docs/flux-protocol.md`` ("flux §n" in comments). Nothing here does I/O.
"""
