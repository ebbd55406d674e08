"""Side-by-side benchmarks of deepgram_tts2 against a raw-websockets floor and the clients users
pick instead (deepgram-sdk, LiveKit's Deepgram plugin, Pipecat's Deepgram service), all against
the local emulator in separate processes. ``python -m bench`` (or ``bash bench/run.sh``) runs
them and writes BENCHMARKS.md; see docs/bench.md.

Layout: :mod:`bench.core` (the client interface and what a turn records), :mod:`bench.adapters`
(one module per client), :mod:`bench.scenarios` (one module per kind of row), :mod:`bench.report`
(the Markdown), :mod:`bench.soak` (the fault matrix, for as many rounds as asked).
"""
