"""Flux voices: ``flux-{voice}-{language}`` (flux §1.5).

The GA catalog has 36 English voices; ``renee`` (EA) was removed at GA. A stable name: no
version segment. There is no list-voices endpoint for Flux. The accent and gender columns come
from Deepgram's voices page as transcribed by the spec (used by the emulator to pick a voice).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class FluxVoice:
    """One catalog voice."""

    name: str
    accent: str
    gender: str  # "F" or "M"

    @property
    def model(self) -> str:
        """The model string, e.g. ``flux-alexis-en``."""
        return f"flux-{self.name}-en"


_CATALOG = """
alexis American F; bree American F; brittany American F; brooke American F; bruce American M;
cliff American M; cole American M; colin British M; conor British M; donovan American M;
drew American M; elise American F; gemma British F; haley American F; hannah American F;
heather American F; jack British M; kai Singaporean M; kelsey American F; kit British M;
maeve Irish F; marcelo Filipino M; marcus American M; meena Indian F; meghan American F;
miles American M; naveen Indian M; paige American F; priya Indian F; rufus British M;
sean British M; sharon Australian F; sienna American F; tanner British M; wade American M;
wes American M
"""

VOICES: dict[str, FluxVoice] = {
    v.model: v
    for v in (
        FluxVoice(*entry.split()) for entry in _CATALOG.replace("\n", " ").split(";") if entry
    )
}
RETIRED_MODELS = frozenset({"flux-renee-en"})  # EA voice removed at GA (flux §1.5)
VOICE_AGENT_DEFAULT = "flux-kit-en"

_MODEL_RE = re.compile(r"^flux-([a-z]+)-([a-z]+)$")


def is_known_model(model: str) -> bool:
    """True for a GA catalog model string."""
    return model in VOICES


def is_flux_model(model: str) -> bool:
    """True for a string of the ``flux-{voice}-{language}`` shape (known or not)."""
    return _MODEL_RE.match(model) is not None


def voice_name(model: str) -> str:
    """The bare voice of a model string (``flux-alexis-en`` -> ``alexis``; what ``Connected``
    carries on the wire, flux §1.5); the input itself when it is not of the flux shape."""
    match = _MODEL_RE.match(model)
    return match.group(1) if match else model
