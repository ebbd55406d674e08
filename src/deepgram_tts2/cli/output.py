"""Where ``dgtts speak`` writes audio: a WAV or raw file, a device, or standard output.

Rules (docs/cli.md "Output"):

* The output is checked before anything connects (:meth:`AudioSink.open`): a missing folder, a
  folder given as the file, an unwritable folder or file raise :class:`OutputError` (exit 2).
* A regular file is written to a temporary file beside it (``.NAME.XXXXXXXX.part``, same folder,
  same permissions as the file it replaces) which :meth:`AudioSink.commit` finalises (the WAV
  sizes), fsyncs and renames over the target. :meth:`AudioSink.discard` removes it. A failed run
  therefore never creates, truncates or changes the output file. A symlink is written through.
* A device or FIFO (``/dev/null``, ``/dev/full``, a named pipe) is written in place: it cannot be
  replaced by a rename. Standard output (``-``) too; it is refused when it is a terminal.
* A WAV header carries its real sizes when the output can seek (a file, stdout redirected to a
  file); on a pipe it carries Deepgram's streaming placeholders (aura §3.2), which players accept.
* A write that fails raises :class:`OutputError` with the system's words ("No space left on
  device"); a reader that went away (broken pipe) raises :class:`OutputClosedError`.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import sys
import tempfile
from typing import Literal

from deepgram_tts2.protocol.audio import PcmFormat, wav_header

OutputFormat = Literal["wav", "raw"]

_WAV_HEADER_BYTES = 44
_MAX_WAV_DATA = 0xFFFFFFFF - 36  # a RIFF size is 32 bits


class OutputError(Exception):
    """The audio cannot be written where the user asked (exit code 2)."""


class OutputClosedError(OutputError):
    """The reader of a pipe went away (broken pipe): stop quietly."""


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class AudioSink:
    """Writes PCM chunks as WAV or raw bytes; see the module docstring. Use :meth:`open`."""

    def __init__(
        self,
        path: str,
        fmt: PcmFormat,
        output_format: OutputFormat,
        fd: int,
        *,
        temp_path: str | None,
        target_path: str,
        seekable: bool,
        header_offset: int,
        owns_fd: bool,
    ) -> None:
        self.path = path
        self.format = fmt
        self.output_format = output_format
        self.bytes_written = 0
        self.temp_path = temp_path
        self.target_path = target_path
        self._fd = fd
        self._seekable = seekable
        self._header_offset = header_offset
        self._owns = owns_fd
        self._done = False
        self.committed = False

    # -- opening ------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str, fmt: PcmFormat, output_format: OutputFormat) -> AudioSink:
        """Check ``path`` and open what the audio goes to; nothing connects before this.

        Raises:
            OutputError: the folder is missing, the path is a folder, or it cannot be written.
        """
        if path == "-":
            sink = cls._stdout(fmt, output_format)
        else:
            sink = cls._path(path, fmt, output_format)
        if output_format == "wav":
            try:
                sink._write(wav_header(fmt, None))
            except OutputError:
                sink.discard()
                raise
        return sink

    @classmethod
    def _stdout(cls, fmt: PcmFormat, output_format: OutputFormat) -> AudioSink:
        try:
            sys.stdout.flush()  # the audio goes to the descriptor itself, unbuffered
            fd = sys.stdout.fileno()
            mode = os.fstat(fd).st_mode
        except (AttributeError, OSError, ValueError):
            raise OutputError("cannot write audio to stdout: it is closed") from None
        if os.isatty(fd):
            raise OutputError(
                "refusing to write audio to a terminal: redirect standard output "
                "(-o - > out.wav, -o - | aplay) or give -o FILE"
            )
        appending = bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_APPEND)
        seekable = stat.S_ISREG(mode) and not appending
        offset = os.lseek(fd, 0, os.SEEK_CUR) if seekable else 0
        return cls(
            "-",
            fmt,
            output_format,
            fd,
            temp_path=None,
            target_path="-",
            seekable=seekable,
            header_offset=offset,
            owns_fd=False,
        )

    @classmethod
    def _path(cls, path: str, fmt: PcmFormat, output_format: OutputFormat) -> AudioSink:
        target = os.path.realpath(path)  # write through a symlink, not over it
        folder = os.path.dirname(target) or "."
        try:
            info: os.stat_result | None = os.stat(target)
        except (FileNotFoundError, NotADirectoryError):
            info = None
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise OutputError(
                f"{path} is a folder: give a file name, e.g. {path.rstrip('/')}/out.wav"
            )
        if info is not None and not stat.S_ISREG(info.st_mode):
            return cls._device(path, target, fmt, output_format)
        if not os.path.isdir(folder):
            if os.path.exists(folder):
                raise OutputError(f"cannot write {path}: {folder} is not a folder")
            raise OutputError(f"cannot write {path}: the folder {folder} does not exist")
        if info is not None and not os.access(target, os.W_OK):
            raise OutputError(f"cannot overwrite {path}: permission denied")
        try:
            fd, temp = tempfile.mkstemp(
                prefix=f".{os.path.basename(target)}.", suffix=".part", dir=folder
            )
        except OSError as exc:
            raise OutputError(
                f"cannot write {path}: cannot create a file in {folder}: {_reason(exc)}"
            ) from None
        try:
            mode = stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_current_umask()
            os.fchmod(fd, mode)
        except OSError as exc:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
        return cls(
            path,
            fmt,
            output_format,
            fd,
            temp_path=temp,
            target_path=target,
            seekable=True,
            header_offset=0,
            owns_fd=True,
        )

    @classmethod
    def _device(
        cls, path: str, target: str, fmt: PcmFormat, output_format: OutputFormat
    ) -> AudioSink:
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
        return cls(
            path,
            fmt,
            output_format,
            fd,
            temp_path=None,
            target_path=target,
            seekable=False,
            header_offset=0,
            owns_fd=True,
        )

    # -- writing ------------------------------------------------------------------------------

    @property
    def may_block(self) -> bool:
        """True when a write can wait on a reader (a pipe, a device): write from a thread."""
        return self.temp_path is None

    @property
    def audio_s(self) -> float:
        """Seconds of audio written so far."""
        return self.format.duration_ms(self.bytes_written) / 1000.0

    def write(self, data: bytes) -> None:
        """Append audio.

        Raises:
            OutputError: the write failed (e.g. no space left on the device).
            OutputClosedError: the reader of the pipe went away.
        """
        self._write(data)
        self.bytes_written += len(data)

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        try:
            while view:  # unbuffered: a full device or a closed pipe shows at once
                view = view[os.write(self._fd, view) :]
        except OSError as exc:
            raise self._translate(exc) from None

    def _translate(self, exc: OSError) -> OutputError:
        if isinstance(exc, BrokenPipeError) or exc.errno == errno.EPIPE:
            return OutputClosedError("the reader of the output went away")
        where = "stdout" if self.path == "-" else self.path
        return OutputError(f"cannot write audio to {where}: {_reason(exc)}")

    # -- finishing ----------------------------------------------------------------------------

    def commit(self) -> None:
        """Finish the output: real WAV sizes, flush, fsync and rename over the target.

        Raises:
            OutputError / OutputClosedError: finishing failed; the temporary file is removed.
        """
        if self._done:
            return
        try:
            if self.output_format == "wav" and self._seekable:
                size = min(self.bytes_written, _MAX_WAV_DATA)
                os.pwrite(self._fd, wav_header(self.format, size), self._header_offset)
            if self.temp_path is not None:
                os.fsync(self._fd)
        except OSError as exc:
            self.discard()
            raise self._translate(exc) from None
        self._done = True
        try:
            if self._owns:
                os.close(self._fd)
            if self.temp_path is not None:
                os.replace(self.temp_path, self.target_path)
                self._sync_folder()
        except OSError as exc:
            self._done = False
            self.discard()
            raise self._translate(exc) from None
        self.committed = True

    def discard(self) -> None:
        """Give up: remove the temporary file (the target is untouched). Never raises."""
        if self._done:
            return
        self._done = True
        if self._owns:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        if self.temp_path is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.temp_path)

    def _sync_folder(self) -> None:
        folder = os.path.dirname(self.target_path) or "."
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)


def quiet_broken_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's final flush is silent.

    (Python documentation, "Note on SIGPIPE".)
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
