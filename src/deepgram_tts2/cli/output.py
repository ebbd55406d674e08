"""Where ``dgtts speak`` writes audio: a WAV or raw file, or standard output."""

from __future__ import annotations

import sys
from types import TracebackType
from typing import BinaryIO, Literal

from deepgram_tts2.protocol.audio import PcmFormat, wav_header

OutputFormat = Literal["wav", "raw"]


class AudioSink:
    """Writes PCM chunks to ``path`` (``-`` = stdout) as WAV or raw bytes.

    A WAV file gets its real sizes written at :meth:`close` when the file can seek; on a pipe
    the header carries Deepgram's streaming placeholders (spec 3.2), which players accept.
    """

    def __init__(self, path: str, fmt: PcmFormat, output_format: OutputFormat) -> None:
        self.path = path
        self.format = fmt
        self.output_format = output_format
        self.bytes_written = 0
        self._file: BinaryIO = sys.stdout.buffer if path == "-" else open(path, "wb")  # noqa: SIM115
        self._seekable = path != "-" and self._file.seekable()
        if output_format == "wav":
            self._file.write(wav_header(fmt, 0 if self._seekable else None))

    def write(self, data: bytes) -> None:
        """Append audio."""
        self._file.write(data)
        self.bytes_written += len(data)

    def close(self) -> None:
        """Finish the file (fix the WAV sizes) and close it (never closes stdout)."""
        if self.output_format == "wav" and self._seekable:
            self._file.seek(0)
            self._file.write(wav_header(self.format, self.bytes_written))
        self._file.flush()
        if self.path != "-":
            self._file.close()

    def __enter__(self) -> AudioSink:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
