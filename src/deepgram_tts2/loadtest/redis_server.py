"""A private, real ``redis-server`` for the fleet benchmark and the fleet tests: a loopback port,
nothing on disk, a password, stopped when its owner is done.

``redis-server`` is the Debian package ``scripts/system-deps`` installs (``bash bench/run.sh``
runs it when the command is missing). The configuration, password included, goes through stdin
(``redis-server -``), never the command line.
"""

from __future__ import annotations

import contextlib
import pathlib
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

from deepgram_tts2.loadtest.emulator import free_port, stop_process

MISSING = (
    "redis-server is not installed: run `bash scripts/system-deps` as root (Debian package "
    "redis-server), or put a redis-server 5.0+ on PATH"
)


class RedisServer:
    """One ``redis-server`` process on a loopback port; ``stop()``/``start()`` keep the port
    (tests restart it to play an outage)."""

    def __init__(self, port: int, directory: pathlib.Path, password: str) -> None:
        self.port = port
        self.dir = directory
        self.password = password
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        """What clients connect to (with the password)."""
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self, timeout_s: float = 20.0) -> None:
        """Start it and wait until it answers ``PING``.

        Raises:
            RuntimeError: not installed, exited, or silent after ``timeout_s`` (a hang guard).
        """
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(MISSING)
        log = self.dir / "redis.log"
        self.proc = subprocess.Popen(
            [binary, "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdin is not None
        self.proc.stdin.write(
            f'port {self.port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir {self.dir}\n'
            f"requirepass {self.password}\nlogfile {log}\nmaxmemory-policy noeviction\n"
        )
        self.proc.stdin.close()
        give_up = time.monotonic() + timeout_s
        while not self._answers():
            if self.proc.poll() is not None or time.monotonic() > give_up:
                words = log.read_text()[-500:] if log.exists() else ""
                raise RuntimeError(f"redis-server did not start: {words or self.proc.poll()}")
            time.sleep(0.02)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                data = b""
                while data.count(b"\r\n") < 2:
                    chunk = sock.recv(100)
                    if not chunk:
                        return False
                    data += chunk
                return b"+PONG" in data
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it lingers."""
        if self.proc is not None:
            stop_process(self.proc)
        self.proc = None


@contextlib.contextmanager
def redis_server(password: str | None = None) -> Iterator[RedisServer]:
    """A running private server (a free port, a temporary folder, a random password unless
    given) until the block ends."""
    with tempfile.TemporaryDirectory(prefix="dgtts-redis-") as tmp:
        server = RedisServer(free_port(), pathlib.Path(tmp), password or secrets.token_hex(16))
        try:
            server.start()
            yield server
        finally:
            server.stop()
