"""The emulator's Flux ``/v2/speak`` (WebSocket and REST), on the same port as ``/v1/speak``.

Modules: :mod:`.options` (:class:`EmulatorV2Options`, every uncertain behaviour as an option),
:mod:`.voices` (Flux voices -> eSpeak NG English variants), :mod:`.routes` (route
registration, handshake checks, the per-emulator :class:`FluxService`), :mod:`.wsession` (one
socket, the I/O around :class:`deepgram_tts2.protocol.v2.server_session.ServerSession`),
:mod:`.rest` (``POST /v2/speak``). docs/flux.md describes the behaviour and the options.
"""
