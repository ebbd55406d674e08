"""Configuration of the extension: TEN properties in, ``TTSOptions`` out.

Properties follow TEN's ``params`` pattern: the Deepgram settings live under ``params``;
``update_params()`` lifts the known keys (api_key, base_url, model, encoding, sample_rate)
onto the model, and every other scalar in ``params`` becomes a query parameter passed through
to Deepgram (``container``, ``speed``, ``mip_opt_out``, ...). The key is shown only masked.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from deepgram_tts2 import TTSOptions

KNOWN_PARAMS = ("api_key", "base_url", "model", "encoding", "sample_rate")
MODELLED_QUERY = ("speed", "mip_opt_out", "container", "bit_rate")
DEFAULT_URL = "wss://api.deepgram.com/v1/speak"


def mask(secret: str) -> str:
    """``abcde...vwxyz`` for long secrets, stars for short ones (never the whole key)."""
    if len(secret) <= 10:
        return "*" * len(secret)
    return f"{secret[:5]}...{secret[-5:]}"


class DeepgramTTS2Config(BaseModel):
    """The extension's properties (see README.md for each, with its default)."""

    api_key: str = ""
    base_url: str = DEFAULT_URL
    model: str = "aura-2-thalia-en"
    encoding: str = "linear16"
    sample_rate: int = 24000
    dump: bool = False
    dump_path: str = "/tmp"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    params: dict[str, Any] = Field(default_factory=dict)

    def update_params(self) -> None:
        """Move the known keys out of ``params`` onto the model."""
        for key in KNOWN_PARAMS:
            if key in self.params:
                value = self.params.pop(key)
                setattr(self, key, value if key != "sample_rate" else int(value))

    def to_options(self) -> TTSOptions:
        """The library options; raises ``ConfigurationError`` with a clear message."""
        extra = {k: v for k, v in self.params.items() if k not in MODELLED_QUERY}
        modelled = {k: v for k, v in self.params.items() if k in MODELLED_QUERY}
        return TTSOptions.create(
            metrics_port=self.metrics_port,
            api_key=self.api_key,
            base_url=self.base_url,
            model=self.model,
            encoding=self.encoding,
            sample_rate=self.sample_rate,
            extra_query=extra,
            **modelled,
        )

    def to_str(self, sensitive_handling: bool = True) -> str:
        """The configuration for logs; the key masked unless ``sensitive_handling`` is False."""
        shown: dict[str, Any] = self.model_dump()
        if sensitive_handling:
            shown["api_key"] = mask(self.api_key)
            shown["params"] = {
                k: (mask(str(v)) if "key" in k.lower() or "token" in k.lower() else v)
                for k, v in self.params.items()
            }
        return str(shown)
