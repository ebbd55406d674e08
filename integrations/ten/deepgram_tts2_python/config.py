"""Configuration of the extension: TEN properties in, ``TTSOptions`` out.

Properties follow TEN's ``params`` pattern: the Deepgram settings live under ``params``; the
known keys (api_key, base_url, model, encoding, sample_rate) are lifted onto the model (a key
under ``params`` wins over the same key at the top level), and every other scalar in ``params``
becomes a query parameter passed through to Deepgram (``container``, ``speed``, ...).

Hostile or mistyped input is expected (properties come from graph files and environment
variables): every problem is reported as a :class:`ConfigError` whose message names the field
and never its value, the key is a ``SecretStr``, and :meth:`DeepgramTTS2Config.to_str` shows in
clear only an allow-list of fields known not to be secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from deepgram_tts2 import TTSOptions

KNOWN_PARAMS = ("api_key", "base_url", "model", "encoding", "sample_rate")
# Deepgram query parameters modelled by TTSOptions; shown in clear in logs.
MODELLED_QUERY = ("speed", "mip_opt_out", "container", "bit_rate", "expressivity")
DEFAULT_URL = "wss://api.deepgram.com/v1/speak"
DEFAULT_METRICS_HOST = "127.0.0.1"
REDACTED = "<redacted>"


class ConfigError(ValueError):
    """An invalid configuration; the message names fields, never values."""


def mask(secret: str) -> str:
    """A key for logs: its length and, for a long key, its last 4 characters only."""
    if len(secret) >= 16:
        return f"****{secret[-4:]} ({len(secret)} chars)"
    return f"**** ({len(secret)} chars)"


def safe_url(url: str) -> str:
    """``url`` without user info, query or fragment (they may carry credentials)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        if parts.username or parts.password:
            netloc = f"{REDACTED}@{netloc}"
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
    except ValueError:
        return REDACTED


def describe(exc: ValidationError, origin: Mapping[str, str] | None = None) -> str:
    """A one-line summary of ``exc``: field locations and pydantic's messages, no inputs."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False, include_context=False):
        loc = [str(part) for part in error["loc"]]
        if loc and origin and loc[0] in origin:
            loc[0] = origin[loc[0]]
        problems.append(f"{'.'.join(loc) or 'properties'}: {error['msg']}")
    return "; ".join(problems)


def _not_bool(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("must be a number, not a boolean")
    return value


class DeepgramTTS2Config(BaseModel):
    """The extension's properties (see README.md for each, with its default)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True, hide_input_in_errors=True)

    api_key: SecretStr = SecretStr("")
    base_url: str = DEFAULT_URL
    model: str = "aura-2-thalia-en"
    encoding: str = "linear16"
    sample_rate: int = 24000
    dump: bool = False
    dump_path: str = "/tmp"
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = DEFAULT_METRICS_HOST
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)

    @field_validator("sample_rate", "metrics_port", mode="before")
    @classmethod
    def _numbers_are_not_booleans(cls, value: object) -> object:
        return _not_bool(value)

    @field_validator("params", mode="before")
    @classmethod
    def _scalars_only(cls, value: object) -> object:
        if not isinstance(value, dict):
            raise ValueError("must be an object")
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError("keys must be strings")
            if key in KNOWN_PARAMS:
                continue  # lifted by update_params(), validated as its own field there
            if not isinstance(item, str | int | float | bool):
                raise ValueError(f"{key} must be a string, a number or a boolean")
        return value

    @classmethod
    def from_properties(cls, properties: object) -> DeepgramTTS2Config:
        """Validate the extension's whole property tree (a dict, or its JSON text).

        Raises:
            ConfigError: the properties are not an object or a field is invalid.
        """
        if isinstance(properties, str):
            try:
                properties = json.loads(properties or "{}")
            except ValueError:
                raise ConfigError("the properties are not valid JSON") from None
        if not isinstance(properties, dict):
            raise ConfigError("the properties must be a JSON object")
        params = properties.get("params", {})
        if not isinstance(params, dict):
            raise ConfigError("params: must be an object")
        top = {key: value for key, value in properties.items() if key != "params"}
        problems: list[str] = []
        shadowed = {key: top[key] for key in KNOWN_PARAMS if key in top and key in params}
        if shadowed:  # a bad value is an error even where params overrides it
            try:
                cls.model_validate(shadowed)
            except ValidationError as exc:
                problems.append(describe(exc))
        flat = dict(top)
        origin: dict[str, str] = {}
        for key in KNOWN_PARAMS:
            if key in params:
                flat[key] = params[key]
                origin[key] = f"params.{key}"
        flat["params"] = {key: value for key, value in params.items() if key not in KNOWN_PARAMS}
        try:
            config = cls.model_validate(flat)
        except ValidationError as exc:
            problems.append(describe(exc, origin))
        if problems:
            raise ConfigError("; ".join(problems))
        return config

    def update_params(self) -> None:
        """Move the known keys out of ``params`` onto the model (the upstream pattern).

        Raises:
            ConfigError: a lifted value is invalid.
        """
        for key in KNOWN_PARAMS:
            if key in self.params:
                value = self.params.pop(key)
                try:
                    setattr(self, key, value)
                except ValidationError as exc:
                    raise ConfigError(describe(exc, {key: f"params.{key}"})) from None

    @property
    def key(self) -> str:
        """The API key in clear (for the client only)."""
        return self.api_key.get_secret_value()

    def to_options(self) -> TTSOptions:
        """The library options; raises ``ConfigurationError`` with a clear message."""
        extra = {k: v for k, v in self.params.items() if k not in MODELLED_QUERY}
        modelled = {k: v for k, v in self.params.items() if k in MODELLED_QUERY}
        return TTSOptions.create(
            metrics_port=self.metrics_port,
            metrics_host=self.metrics_host,
            api_key=self.key,
            base_url=self.base_url,
            model=self.model,
            encoding=self.encoding,
            sample_rate=self.sample_rate,
            extra_query=extra,
            **modelled,
        )

    def to_str(self, sensitive_handling: bool = True) -> str:
        """The configuration for logs.

        Only fields known not to be secret are shown in clear; the key is masked, the URL loses
        any credentials, and pass-through params other than Deepgram's modelled ones show
        their names only. ``sensitive_handling=False`` (the upstream signature) changes
        nothing: secrets are never shown.
        """
        shown: dict[str, Any] = {
            "api_key": mask(self.key) if self.key else "",
            "base_url": safe_url(self.base_url),
            "model": self.model,
            "encoding": self.encoding,
            "sample_rate": self.sample_rate,
            "dump": self.dump,
            "dump_path": self.dump_path,
            "metrics_port": self.metrics_port,
            "metrics_host": self.metrics_host,
            "params": {
                key: (value if key in MODELLED_QUERY else REDACTED)
                for key, value in self.params.items()
            },
        }
        return str(shown)

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            if name == "params":
                yield name, {k: (v if k in MODELLED_QUERY else REDACTED) for k, v in value.items()}
            elif name == "base_url":
                yield name, safe_url(value)
            else:
                yield name, value


def merge_properties(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``update`` over ``base`` the way ``update_configs`` means it.

    ``params`` merge key by key; a known key given at the top level of ``update`` replaces the
    same key under the old ``params`` (which would otherwise win when lifted).
    """
    merged: dict[str, Any] = {k: v for k, v in base.items() if k != "params"}
    old_params = base.get("params", {})
    params: dict[str, Any] = dict(old_params) if isinstance(old_params, dict) else {}
    for key, value in update.items():
        if key == "params":
            continue
        merged[key] = value
        if key in KNOWN_PARAMS:
            params.pop(key, None)
    new_params = update.get("params", {})
    if not isinstance(new_params, dict):
        raise ConfigError("params: must be an object")
    params.update(new_params)
    merged["params"] = params
    return merged
