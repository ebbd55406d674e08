"""What identifies a phrase's audio: every parameter that changes it, and the normalised text.

A cache key is (endpoint generation, model, encoding, sample rate, container, every other query
parameter, normalised text). Two requests with equal keys get the same audio from Deepgram, so
one may be served the other's; anything that could change the audio is in the key. Query
parameters the library does not know are in the key too (a new Deepgram parameter may change
the audio); only parameters known not to change it are left out: ``mip_opt_out`` (model
improvement program opt-out) and ``tag`` (usage reporting labels).

Text normalisation (:func:`normalise_text`): Unicode NFC (composed and decomposed accents are the
same text), every run of Unicode whitespace collapsed to one space, leading and trailing
whitespace removed. Case and punctuation are kept: "Sure." and "Sure?" and "SURE" are spoken
differently (a question rises, capitals can be read as an acronym).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from deepgram_tts2.compat import StrEnum
from deepgram_tts2.protocol.v1.url import Api, SpeakParams

NON_AUDIO_PARAMS = frozenset({"mip_opt_out", "tag"})
_STRUCTURAL = frozenset({"model", "encoding", "sample_rate", "container"})
_WHITESPACE = re.compile(r"\s+")


class Generation(StrEnum):
    """The endpoint generation: Aura ``/v1/speak`` or Flux ``/v2/speak``."""

    V1 = "v1"
    V2 = "v2"


def normalise_text(text: str) -> str:
    """``text`` as the cache sees it (see the module docstring)."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


@dataclass(frozen=True)
class PhraseKey:
    """The identity of one phrase's audio; build it with :meth:`for_v1` or :meth:`from_query`.

    Attributes:
        generation: ``v1`` or ``v2``.
        model / encoding / sample_rate / container: the output as the server will produce it
            (effective values: an unset parameter is its default, so "unset" and "the default
            given explicitly" are one key).
        params: every other audio-changing query parameter, sorted.
        text: the normalised text.
    """

    generation: str
    model: str
    encoding: str
    sample_rate: int
    container: str | None
    params: tuple[tuple[str, str], ...]
    text: str

    @classmethod
    def from_query(
        cls,
        generation: Generation | str,
        query: Iterable[tuple[str, str]],
        text: str,
        *,
        encoding: str,
        sample_rate: int,
        container: str | None,
    ) -> PhraseKey:
        """A key from query items (e.g. ``FluxParams.to_query()``) and the effective format.

        ``model`` is read from the items; ``encoding``, ``sample_rate`` and ``container`` are
        the effective values (they override the items).
        """
        items = list(query)
        model = next((v for k, v in items if k == "model"), "")
        params = sorted(
            (k, v) for k, v in items if k not in _STRUCTURAL and k not in NON_AUDIO_PARAMS
        )
        return cls(
            str(Generation(generation)),
            model,
            encoding,
            int(sample_rate),
            container,
            tuple(params),
            normalise_text(text),
        )

    @classmethod
    def for_v1(cls, params: SpeakParams, text: str, api: Api = Api.WEBSOCKET) -> PhraseKey:
        """The key of ``text`` spoken with Aura parameters ``params`` over ``api``.

        The socket and REST with ``container=none`` (what the client asks REST for) give the
        same raw audio, so they share keys.
        """
        container = params.effective_container(api)
        return cls.from_query(
            Generation.V1,
            params.to_query(),
            text,
            encoding=params.effective_encoding(api).value,
            sample_rate=params.effective_sample_rate(api),
            container=None if container is None else container.value,
        )

    @property
    def digest(self) -> str:
        """A SHA-256 of the key (the name of the entry; the text is not stored in clear)."""
        canonical = json.dumps(
            [
                self.generation,
                self.model,
                self.encoding,
                self.sample_rate,
                self.container,
                self.params,
                self.text,
            ],
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def __repr__(self) -> str:  # the text may be long or private: show its length only
        return (
            f"PhraseKey({self.generation}, {self.model}, {self.encoding}/{self.sample_rate}, "
            f"{len(self.text)} chars, {self.digest[:12]})"
        )
