"""A private ``redis-server`` for the fleet scenario: a free loopback port, nothing on disk, a
random password, stopped when the block ends (the same flags as the fleet tests' server,
``tests/fleet/conftest.py``).

``redis-server`` is the Debian package ``scripts/system-deps`` installs (``bash bench/run.sh``
runs it when the command is missing).
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
from dataclasses import dataclass

from deepgram_tts2.loadtest.emulator import free_port, stop_process

MISSING = (
    "redis-server is not installed: run `bash scripts/system-deps` as root (Debian package "
    "redis-server), or put a redis-server 5.0+ on PATH"
)


@dataclass(frozen=True)
class RedisServer:
    """A running server: its port and the URL (with the password) clients use."""

    port: int
    password: str
    process: subprocess.Popen[str]

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"


def _answers(port: int, password: str) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(f"AUTH {password}\r\nPING\r\n".encode())
            data = b""
            while data.count(b"\r\n") < 2:
                chunk = sock.recv(100)
                if not chunk:
                    return False
                data += chunk
            return b"+PONG" in data
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(start_timeout_s: float = 20.0) -> Iterator[RedisServer]:
    """Run a private ``redis-server`` until the block ends.

    Raises:
        RuntimeError: it is not installed, or did not answer in time (with its log).
    """
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError(MISSING)
    password = secrets.token_hex(16)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="dgtts-bench-redis-") as tmp:
        log = pathlib.Path(tmp) / "redis.log"
        # The password goes through stdin (a config read from "-"), not the command line.
        process = subprocess.Popen(
            [binary, "-"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert process.stdin is not None
        process.stdin.write(
            f'port {port}\nbind 127.0.0.1\nsave ""\nappendonly no\ndir {tmp}\n'
            f"requirepass {password}\nlogfile {log}\nmaxmemory-policy noeviction\n"
        )
        process.stdin.close()
        try:
            give_up = time.monotonic() + start_timeout_s
            while not _answers(port, password):
                if process.poll() is not None or time.monotonic() > give_up:
                    words = log.read_text()[-500:] if log.exists() else ""
                    raise RuntimeError(f"redis-server did not start: {words or process.poll()}")
                time.sleep(0.02)
            yield RedisServer(port, password, process)
        finally:
            stop_process(process)
