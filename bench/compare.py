"""Side-by-side benchmark: the raw-websockets floor, deepgram_tts2, and the peers users would
pick instead, against one emulator process on this machine. Rewrites BENCHMARKS.md.

Run with ``bash bench/run.sh`` (it creates ``.venv-bench`` with the pinned ``bench`` extra).
Numbers are measured here, side by side, alternating clients; ratios are what transfers to
other machines, absolute figures are this machine's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.metadata
import json
import os
import pathlib
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
from typing import Any

import numpy as np
import websockets

from deepgram_tts2 import DeepgramTTS, TTSOptions
from deepgram_tts2.client.events import AudioChunk, AudioEnd
from deepgram_tts2.loadtest.runner import measure_loop_lag, rss_mb

ROOT = pathlib.Path(__file__).resolve().parents[1]
KEY = secrets.token_hex(16)
SENTENCE = "Sure, I can help with that. Your order shipped this morning."
PARAGRAPH = (
    "Thanks for waiting. I looked into your account and found two charges from last week. "
    "The first one is your regular monthly plan, and the second is a one-time fee for the "
    "extra data you used while travelling."
)
REALISTIC = ["--first-audio-ms", "200", "--per-char-ms", "0.4", "--realtime-factor", "4"]
FAST = ["--first-audio-ms", "50", "--per-char-ms", "0", "--realtime-factor", "0"]
INSTANT = ["--instant"]
REALTIME = ["--first-audio-ms", "200", "--per-char-ms", "0.4", "--realtime-factor", "1"]


# -- the emulator in its own process --------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def emulator(pacing: list[str]) -> Any:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deepgram_tts2.cli",
            "serve",
            "--port",
            str(port),
            "--api-key",
            KEY,
            "--voice-engine",
            "tone",
            "--max-concurrent-ws",
            "1000",
            "--max-concurrent-rest",
            "1000",
            "--flushes-per-window",
            "1000000",
            "--chars-per-window",
            "1000000000",
            *pacing,
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    if "listening" not in process.stderr.readline():
        raise RuntimeError("emulator did not start")
    try:
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        process.stderr.close()


# -- clients: each measures one request --------------------------------------------------------
# request(chunks, tokens_per_s) -> ms from the first text handed over to the first audio byte


class Floor:
    """A minimal raw websockets client on an open connection: nothing can be faster."""

    name = "floor (raw websockets)"

    def __init__(self, port: int) -> None:
        self.url = f"ws://127.0.0.1:{port}/v1/speak?model=aura-2-thalia-en&encoding=linear16&sample_rate=24000"

    async def __aenter__(self) -> Floor:
        self.ws = await websockets.connect(
            self.url, additional_headers={"Authorization": f"Token {KEY}"}
        )
        await self.ws.recv()  # Metadata
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.ws.close()

    async def request(self, chunks: list[str], tps: float) -> float:
        t0 = time.perf_counter()
        for i, chunk in enumerate(chunks):
            if i and tps:
                await asyncio.sleep(1 / tps)
            await self.ws.send(json.dumps({"type": "Speak", "text": chunk}))
        await self.ws.send('{"type": "Flush"}')
        first = None
        while True:
            message = await self.ws.recv()
            if isinstance(message, bytes):
                first = first or time.perf_counter()
            elif '"Flushed"' in message:
                return (first - t0) * 1000 if first else float("nan")


class Floor2(Floor):
    """The raw protocol interrupted the naive way: Clear, keep reading, no fence."""

    async def interrupt(self) -> tuple[int, float]:
        await self.ws.send(json.dumps({"type": "Speak", "text": PARAGRAPH}))
        await self.ws.send('{"type": "Flush"}')
        while not isinstance(await self.ws.recv(), bytes):
            pass
        t0 = time.perf_counter()
        await self.ws.send('{"type": "Clear"}')
        stale = 0
        while True:
            message = await self.ws.recv()
            if isinstance(message, bytes):
                stale += 1
            elif '"Cleared"' in message:
                return stale, (time.perf_counter() - t0) * 1000


class Ours:
    name = "deepgram_tts2"
    pool_size = 4

    def __init__(self, port: int) -> None:
        self.options = TTSOptions.create(
            api_key=KEY,
            base_url=f"ws://127.0.0.1:{port}/v1/speak",
            limits={
                "flushes_per_window": 1000000,
                "chars_per_window": 1000000000,
                "pool_size": self.pool_size,
                "prewarm": self.pool_size,  # a deployment sized for N streams pre-warms N
                "max_queued_requests": 1024,
            },
        )

    async def __aenter__(self) -> Ours:
        self.tts = DeepgramTTS(self.options)
        await self.tts.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.tts.aclose()

    async def request(self, chunks: list[str], tps: float) -> float:
        stream = self.tts.stream()
        t0 = time.perf_counter()

        async def feed() -> None:
            for i, chunk in enumerate(chunks):
                if i and tps:
                    await asyncio.sleep(1 / tps)
                await stream.push(chunk)
            await stream.end()

        feeder = asyncio.create_task(feed())
        first = None
        async for event in stream:
            if isinstance(event, AudioChunk) and first is None:
                first = time.perf_counter()
        await feeder
        return (first - t0) * 1000 if first else float("nan")

    async def interrupt(self) -> tuple[int, float]:
        stream = self.tts.stream()
        await stream.push(PARAGRAPH)
        await stream.end()
        stale, at, latency = 0, None, float("nan")
        async for event in stream:
            if isinstance(event, AudioChunk):
                if at is not None:
                    stale += 1
                else:
                    at = time.perf_counter()
                    await stream.interrupt()
            elif isinstance(event, AudioEnd) and at is not None:
                latency = (time.perf_counter() - at) * 1000
        return stale, latency


class Sdk:
    """The official deepgram-sdk speak WebSocket (async): Speak per chunk, Flush at the end."""

    name = "deepgram-sdk"

    def __init__(self, port: int) -> None:
        from deepgram import AsyncDeepgramClient
        from deepgram.environment import DeepgramClientEnvironment

        env = DeepgramClientEnvironment(
            base=f"http://127.0.0.1:{port}",
            production=f"ws://127.0.0.1:{port}",
            agent=f"ws://127.0.0.1:{port}",
            agent_rest=f"http://127.0.0.1:{port}",
        )
        self.client = AsyncDeepgramClient(api_key=KEY, environment=env)

    async def __aenter__(self) -> Sdk:
        self._cm = self.client.speak.v1.connect(
            model="aura-2-thalia-en", encoding="linear16", sample_rate=24000
        )
        self.socket = await self._cm.__aenter__()
        await self.socket.recv()  # Metadata
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._cm.__aexit__(None, None, None)

    async def request(self, chunks: list[str], tps: float) -> float:
        from deepgram.speak.v1 import SpeakV1Text

        t0 = time.perf_counter()
        for i, chunk in enumerate(chunks):
            if i and tps:
                await asyncio.sleep(1 / tps)
            await self.socket.send_text(SpeakV1Text(type="Speak", text=chunk))
        await self.socket.send_flush()
        first = None
        while True:
            message = await self.socket.recv()
            if isinstance(message, bytes):
                first = first or time.perf_counter()
            elif getattr(message, "type", None) == "Flushed":
                return (first - t0) * 1000 if first else float("nan")

    async def interrupt(self) -> tuple[int, float]:
        from deepgram.speak.v1 import SpeakV1Text

        await self.socket.send_text(SpeakV1Text(type="Speak", text=PARAGRAPH))
        await self.socket.send_flush()
        while not isinstance(await self.socket.recv(), bytes):
            pass
        t0 = time.perf_counter()
        await self.socket.send_clear()
        stale = 0
        while True:
            message = await self.socket.recv()
            if isinstance(message, bytes):
                stale += 1  # the SDK hands these to the caller: stale unless it fences itself
            elif getattr(message, "type", None) == "Cleared":
                return stale, (time.perf_counter() - t0) * 1000


class LiveKit:
    """LiveKit Agents' Deepgram plugin (pooled sockets, one Speak per word, flush per segment)."""

    name = "livekit-plugins-deepgram"

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}/v1/speak"

    async def __aenter__(self) -> LiveKit:
        import aiohttp
        from livekit.plugins import deepgram

        self.session = aiohttp.ClientSession()
        self.tts = deepgram.TTS(
            model="aura-2-thalia-en",
            api_key=KEY,
            base_url=self.base,
            http_session=self.session,
            sample_rate=24000,
        )
        self.tts.prewarm()
        await asyncio.sleep(0.2)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.tts.aclose()
        await self.session.close()

    async def request(self, chunks: list[str], tps: float) -> float:
        stream = self.tts.stream()
        t0 = time.perf_counter()

        async def feed() -> None:
            for i, chunk in enumerate(chunks):
                if i and tps:
                    await asyncio.sleep(1 / tps)
                stream.push_text(chunk)
            stream.flush()
            stream.end_input()

        feeder = asyncio.create_task(feed())
        first = None
        async for _event in stream:
            first = first or time.perf_counter()
        await feeder
        await stream.aclose()
        return (first - t0) * 1000 if first else float("nan")

    async def interrupt(self) -> tuple[int, float]:
        """LiveKit interrupts by closing the stream (and throws its socket away)."""
        stream = self.tts.stream()
        stream.push_text(PARAGRAPH)
        stream.flush()
        stream.end_input()
        stale, at, latency = 0, None, float("nan")
        async for _event in stream:
            if at is None:
                at = time.perf_counter()
                await stream.aclose()
                latency = (time.perf_counter() - at) * 1000
            else:
                stale += 1
        return stale, latency


class Pipecat:
    """Pipecat's DeepgramTTSService in a minimal pipeline; LLM text frames in, audio out."""

    name = "pipecat DeepgramTTSService"

    def __init__(self, port: int) -> None:
        self.port = port

    async def __aenter__(self) -> Pipecat:
        from pipecat.frames.frames import TTSAudioRawFrame, TTSStoppedFrame
        from pipecat.pipeline.pipeline import Pipeline
        from pipecat.pipeline.runner import PipelineRunner
        from pipecat.pipeline.task import PipelineParams, PipelineTask
        from pipecat.processors.frame_processor import FrameProcessor
        from pipecat.services.deepgram.tts import DeepgramTTSService

        outer = self

        class Capture(FrameProcessor):
            async def process_frame(self, frame: Any, direction: Any) -> None:
                await super().process_frame(frame, direction)
                if isinstance(frame, TTSAudioRawFrame):
                    outer.frames += 1
                    if outer.first is None:
                        outer.first = time.perf_counter()
                        outer.first_audio.set()
                if isinstance(frame, TTSStoppedFrame):
                    outer.done.set()
                await self.push_frame(frame, direction)

        self.first: float | None = None
        self.frames = 0
        self.done = asyncio.Event()
        self.first_audio = asyncio.Event()
        tts = DeepgramTTSService(
            api_key=KEY, base_url=f"ws://127.0.0.1:{self.port}", sample_rate=24000
        )
        self.task = PipelineTask(
            Pipeline([tts, Capture()]), params=PipelineParams(audio_out_sample_rate=24000)
        )
        self.run = asyncio.create_task(PipelineRunner(handle_sigint=False).run(self.task))
        await asyncio.sleep(0.5)
        return self

    async def __aexit__(self, *exc: object) -> None:
        from pipecat.frames.frames import EndFrame

        await self.task.queue_frame(EndFrame())
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.run, 10)

    async def request(self, chunks: list[str], tps: float) -> float:
        from pipecat.frames.frames import (
            LLMFullResponseEndFrame,
            LLMFullResponseStartFrame,
            LLMTextFrame,
        )

        self.first = None
        self.done.clear()
        self.first_audio.clear()
        t0 = time.perf_counter()
        await self.task.queue_frame(LLMFullResponseStartFrame())
        for i, chunk in enumerate(chunks):
            if i and tps:
                await asyncio.sleep(1 / tps)
            await self.task.queue_frame(LLMTextFrame(chunk))
        await self.task.queue_frame(LLMFullResponseEndFrame())
        await asyncio.wait_for(self.done.wait(), 30)
        return (self.first - t0) * 1000 if self.first else float("nan")

    async def interrupt(self) -> tuple[int, float]:
        """Interrupt at the first audio frame; count frames that still reach the output."""
        from pipecat.frames.frames import (
            InterruptionFrame,
            LLMFullResponseEndFrame,
            LLMFullResponseStartFrame,
            LLMTextFrame,
        )

        self.first = None
        self.first_audio.clear()
        await self.task.queue_frames(
            [LLMFullResponseStartFrame(), LLMTextFrame(PARAGRAPH), LLMFullResponseEndFrame()]
        )
        await asyncio.wait_for(self.first_audio.wait(), 30)
        before = self.frames
        t0 = time.perf_counter()
        await self.task.queue_frame(InterruptionFrame())
        latency = (time.perf_counter() - t0) * 1000
        await asyncio.sleep(0.5)  # whatever arrives now is audio of the interrupted turn
        return self.frames - before, latency


CLIENTS = [Floor, Ours, Sdk, LiveKit, Pipecat]


# -- scenarios ---------------------------------------------------------------------------------


def stats(values: list[float]) -> dict[str, float]:
    array = np.asarray([v for v in values if v == v], dtype=np.float64)
    if not len(array):
        return {}
    return {
        "p50": float(np.percentile(array, 50)),
        "p99": float(np.percentile(array, 99)),
        "n": float(len(array)),
    }


async def alternate(
    port: int, chunks: list[str], tps: float, rounds: int, clients: list[type]
) -> dict[str, Any]:
    """Open every client once, then run one request each per round, round-robin."""
    results: dict[str, Any] = {}
    opened: list[Any] = []
    for cls in clients:
        try:
            client = cls(port)
            opened.append(await client.__aenter__())
            results[cls.name] = []
        except Exception as exc:  # a peer that cannot run: say why
            results[cls.name] = f"could not run: {type(exc).__name__}: {exc}"[:200]
    try:
        for _ in range(rounds):
            for client in opened:
                try:
                    results[client.name].append(await client.request(chunks, tps))
                except Exception as exc:
                    results[client.name] = f"failed: {type(exc).__name__}: {exc}"[:200]
                    opened.remove(client)
                    break
    finally:
        for client in opened:
            with contextlib.suppress(Exception):
                await client.__aexit__(None, None, None)
    return {k: (stats(v) if isinstance(v, list) else v) for k, v in results.items()}


async def concurrent_streams(port: int, n: int) -> dict[str, Any]:
    options = TTSOptions.create(
        api_key=KEY,
        base_url=f"ws://127.0.0.1:{port}/v1/speak",
        limits={
            "pool_size": min(n, 1024),
            "prewarm": min(n, 1024),
            "max_queued_requests": n,
            "flushes_per_window": 1000000,
            "chars_per_window": 1000000000,
        },
    )
    lag: list[float] = []

    async with DeepgramTTS(options) as tts:
        rss0, cpu0 = rss_mb(), time.process_time()
        task = asyncio.create_task(measure_loop_lag(lag))
        ttfb: list[float] = []

        async def one(i: int) -> None:
            stream = tts.stream()
            await stream.push(PARAGRAPH)
            await stream.end()
            async for event in stream:
                if type(event).__name__ == "Metric":
                    ttfb.append(event.value)  # type: ignore[attr-defined]

        t0 = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(n)))
        elapsed = time.perf_counter() - t0
        task.cancel()
        cpu = time.process_time() - cpu0
        rss = rss_mb() - rss0
    return {
        "streams": n,
        "elapsed_s": elapsed,
        "client_cpu_s": cpu,
        "cpu_ms_per_stream": cpu * 1000 / n,
        "rss_growth_mb": rss,
        "ttfb_ms": stats(ttfb),
        "loop_lag_ms": stats(lag),
    }


async def concurrency_all(port: int, n: int) -> dict[str, Any]:
    """n concurrent requests per client: one shared client where the API pools sockets
    (deepgram_tts2, LiveKit), else n instances (one socket each: floor, SDK, Pipecat)."""
    out: dict[str, Any] = {}
    for cls in CLIENTS:
        shared = cls in (Ours, LiveKit)
        try:
            if cls is Ours:
                Ours.pool_size = n
            clients = [cls(port)] if shared else [cls(port) for _ in range(n)]
            opened = await asyncio.gather(*(c.__aenter__() for c in clients))
            lag: list[float] = []

            gc.collect()
            rss0, cpu0 = rss_mb(), time.process_time()
            sampler_task = asyncio.create_task(measure_loop_lag(lag))
            targets = opened * n if shared else opened
            ttfb = await asyncio.gather(*(c.request([PARAGRAPH], 0) for c in targets))
            sampler_task.cancel()
            cpu = time.process_time() - cpu0
            out[cls.name] = {
                "streams": n,
                "cpu_ms_per_stream": cpu * 1000 / n,
                "rss_growth_mb_per_stream": (rss_mb() - rss0) / n,
                "ttfb_ms": stats(list(ttfb)),
                "loop_lag_ms": stats(lag),
            }
            await asyncio.gather(
                *(c.__aexit__(None, None, None) for c in opened), return_exceptions=True
            )
        except Exception as exc:
            out[cls.name] = f"could not run: {type(exc).__name__}: {exc}"[:200]
        finally:
            Ours.pool_size = 4
    return out


async def interrupts_all(port: int, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for cls in [Ours, Floor2, Sdk, LiveKit, Pipecat]:
        name = "raw protocol, naive (Clear, no fence)" if cls is Floor2 else cls.name
        try:
            client = await cls(port).__aenter__()
            stale, latency = 0, []
            for _ in range(n):
                count, ms = await client.interrupt()
                stale += count
                latency.append(ms)
            await client.__aexit__(None, None, None)
            out[name] = {
                "interrupts": n,
                "stale_frames_after_interrupt": stale,
                "interrupt_to_end_ms": stats(latency),
            }
        except Exception as exc:
            out[name] = f"could not run: {type(exc).__name__}: {exc}"[:200]
    out["notes"] = (
        "deepgram_tts2 and the naive rows count audio delivered after the interrupt; "
        "LiveKit ends the stream by closing it (its socket is discarded, so the next "
        "turn pays a handshake); Pipecat counts frames reaching the pipeline output "
        "within 0.5 s of the InterruptionFrame."
    )
    return out


async def sequential_all(port: int, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for cls in CLIENTS:
        try:
            client = await cls(port).__aenter__()
            for _ in range(20):
                await client.request(["Warm up."], 0)
            gc.collect()
            rss0, tasks0, fds0 = rss_mb(), len(asyncio.all_tasks()), open_fds()
            t0 = time.perf_counter()
            for i in range(n):
                await client.request([f"Request {i}."], 0)
            elapsed = time.perf_counter() - t0
            gc.collect()
            await asyncio.sleep(0.2)
            out[cls.name] = {
                "requests": n,
                "elapsed_s": elapsed,
                "rss_growth_mb": rss_mb() - rss0,
                "tasks_before": tasks0,
                "tasks_after": len(asyncio.all_tasks()),
                "open_fds_before": fds0,
                "open_fds_after": open_fds(),
            }
            await client.__aexit__(None, None, None)
        except Exception as exc:
            out[cls.name] = f"could not run: {type(exc).__name__}: {exc}"[:200]
    return out


# -- report ------------------------------------------------------------------------------------


def open_fds() -> int:
    """File descriptors (sockets included) this process holds."""
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return -1


def versions() -> dict[str, str]:
    out = {}
    for dist in (
        "deepgram-tts2",
        "websockets",
        "deepgram-sdk",
        "livekit-agents",
        "livekit-plugins-deepgram",
        "pipecat-ai",
    ):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = "not installed"
    return out


def ratio_table(results: dict[str, Any], floor_name: str) -> list[str]:
    floor = results.get(floor_name, {})
    lines = [
        "| client | p50 ms | p99 ms | p50 ratio to floor | p99 ratio to floor |",
        "|---|---|---|---|---|",
    ]
    for name, value in results.items():
        if not isinstance(value, dict) or not value:
            lines.append(f"| {name} | — | — | — | {value} |")
            continue
        r50 = value["p50"] / floor["p50"] if floor.get("p50") else float("nan")
        r99 = value["p99"] / floor["p99"] if floor.get("p99") else float("nan")
        lines.append(
            f"| {name} | {value['p50']:.1f} | {value['p99']:.1f} | {r50:.2f} | {r99:.2f} |"
        )
    return lines


def write_markdown(data: dict[str, Any], command: str) -> None:
    m = data["machine"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `bench/compare.py` (do not edit by hand). Reproduce with:",
        "",
        f"```sh\n{command}\n```",
        "",
        f"Run {data['when']} on {m['cpus']} CPUs, {m['platform']}, Python {m['python']}. "
        "Absolute figures are this machine's; the ratios are what carries over. Every client "
        "talks to the same emulator process (tone voice) and runs alternate round-robin.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in data["versions"].items()) + ".",
        "",
        "## Warm single request (time to first audio over an open connection)",
        "",
        "Emulator pacing: first audio 50 ms after Flush, audio as fast as possible.",
        "",
        *ratio_table(data["warm"], Floor.name),
        "",
        "## LLM token stream at 30 tokens/s (first token to first audio)",
        "",
        "Emulator pacing: first audio 200 ms + 0.4 ms per character after a Flush, 4x real "
        "time. Each client gets the paragraph word by word as its public API takes text. The "
        "floor here is the raw protocol without segmentation (Speak per token, one Flush at "
        "the end), which is also what the peers end up doing: first audio waits for the "
        "whole stream. deepgram_tts2 flushes the first phrase early.",
        "",
        *ratio_table(data["tokens"], Floor.name),
        "",
        "## 200 concurrent streams (every client; client CPU and memory per stream, p99 TTFB)",
        "",
        "Pooled APIs (deepgram_tts2, LiveKit) run as one client; the others as one instance "
        "(one socket) per stream. Emulator pacing as in the token scenario.",
        "",
        f"```json\n{json.dumps(data['concurrent'], indent=2)}\n```",
        "",
        f"## Target: {data['target_streams']['streams']} concurrent real-time streams "
        "(deepgram_tts2, audio at 1x real time)",
        "",
        f"```json\n{json.dumps(data['target_streams'], indent=2)}\n```",
        "",
        "## Interrupt storm (interrupt at the first audio of each request)",
        "",
        f"```json\n{json.dumps(data['interrupts'], indent=2)}\n```",
        "",
        "## Sequential requests (RSS and tasks before and after)",
        "",
        f"```json\n{json.dumps(data['sequential'], indent=2)}\n```",
        "",
        "## Notes",
        "",
        *[f"* {note}" for note in data["notes"]],
        "",
    ]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines))
    (ROOT / "bench" / "latest.json").write_text(json.dumps(data, indent=2) + "\n")


async def main(args: argparse.Namespace) -> None:
    data: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "versions": versions(),
        "notes": [
            "The upstream TEN deepgram_tts extension cannot run without the TEN runtime "
            "(ten_runtime and ten_ai_base are not on PyPI) and its client class is not "
            "published separately; it is not measured.",
        ],
    }
    with emulator(FAST) as port:
        data["warm"] = await alternate(port, [SENTENCE], 0, args.rounds, CLIENTS)
    tokens = PARAGRAPH.split(" ")
    chunks = [tokens[0]] + [" " + t for t in tokens[1:]]
    with emulator(REALISTIC) as port:
        data["tokens"] = await alternate(port, chunks, 30.0, args.token_rounds, CLIENTS)
    with emulator(REALISTIC) as port:
        data["concurrent"] = await concurrency_all(port, args.concurrent)
    with emulator(REALTIME) as port:
        data["target_streams"] = await concurrent_streams(port, args.target_streams)
    with emulator(FAST) as port:
        data["interrupts"] = await interrupts_all(port, args.interrupts)
    with emulator(INSTANT) as port:
        data["sequential"] = await sequential_all(port, args.sequential)
    write_markdown(data, "bash bench/run.sh")
    print(json.dumps(data, indent=2))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="rewrite BENCHMARKS.md from bench/latest.json without running",
    )
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--token-rounds", type=int, default=5)
    parser.add_argument("--concurrent", type=int, default=200)
    parser.add_argument("--target-streams", type=int, default=500)
    parser.add_argument("--interrupts", type=int, default=50)
    parser.add_argument("--sequential", type=int, default=10000)
    arguments = parser.parse_args()
    if arguments.render_only:
        write_markdown(
            json.loads((ROOT / "bench" / "latest.json").read_text()), "bash bench/run.sh"
        )
    else:
        asyncio.run(main(arguments))
