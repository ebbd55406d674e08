"""Aura voice model names (aura §5: 103 ids as of API-SPECS 2026-07).

Naming is ``aura-<voice>-en`` for Aura-1 and ``aura-2-<voice>-<lang>`` for Aura-2. Deepgram adds
voices often, so the client does not refuse a well-formed name it does not know; the emulator
answers an unknown one with 400 "No such model/version combination found." like Deepgram.
"""

from __future__ import annotations

import re

DEFAULT_MODEL = "aura-asteria-en"  # aura §2.1: SpeakV1Model.default
DEFAULT_CLIENT_MODEL = "aura-2-thalia-en"  # what the official SDK defaults to

_AURA1 = "angus arcas asteria athena helios hera luna orion orpheus perseus stella zeus"
_AURA2 = {
    "en": "amalthea andromeda apollo arcas aries asteria athena atlas aurora callista cora "
    "cordelia delia draco electra harmonia helena hera hermes hyperion iris janus juno jupiter "
    "luna mars minerva neptune odysseus ophelia orion orpheus pandora phoebe pluto saturn selene "
    "thalia theia vesta zeus",
    "es": "agustina alvaro antonia aquila carina celeste diana estrella gloria javier luciano "
    "nestor olivia selena silvia sirio valerio",
    "de": "aurelia elara fabian julius kara lara viktoria",
    "nl": "beatrix cornelia daphne hestia lars leda rhea roman sander",
    "fr": "agathe hector",
    "it": "cesare cinzia demetra dionisio elio flavio livia maia melia perseo",
    "ja": "ama ebisu fujin izanami uzume",
}

KNOWN_MODELS: frozenset[str] = frozenset(
    [f"aura-{v}-en" for v in _AURA1.split()]
    + [f"aura-2-{v}-{lang}" for lang, names in _AURA2.items() for v in names.split()]
)

_MODEL_RE = re.compile(r"^aura(?:-2)?-[a-z]+-[a-z]{2}$")


def is_known_model(name: str) -> bool:
    """True for a model id in Deepgram's published list."""
    return name in KNOWN_MODELS


def is_well_formed_model(name: str) -> bool:
    """True for a name of the ``aura[-2]-<voice>-<lang>`` shape (known or not)."""
    return _MODEL_RE.match(name) is not None


def model_language(name: str) -> str:
    """The language suffix of a model id (``en`` when the name has none)."""
    tail = name.rsplit("-", 1)[-1]
    return tail if len(tail) == 2 and tail.isalpha() else "en"
