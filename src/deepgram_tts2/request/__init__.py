"""The request machine: one request's lifecycle, sans I/O (see :mod:`.machine`).

Above the wire protocol (:mod:`deepgram_tts2.protocol`) because it also knows the options, the
failure policy and the events; like it, it never does I/O or reads a clock
(``tests/protocol/test_sans_io.py`` checks both packages).
"""
