"""Cache keys: every audio-changing parameter separates keys; normalisation merges only what
cannot change speech (property-based)."""

from __future__ import annotations

import dataclasses
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from deepgram_tts2.fleet import Generation, PhraseKey, normalise_text
from deepgram_tts2.protocol.audio import Container, Encoding
from deepgram_tts2.protocol.v1.url import Api, SpeakParams

texts = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=40
).filter(lambda t: normalise_text(t) != "")

params = st.builds(
    SpeakParams,
    model=st.sampled_from(["aura-2-thalia-en", "aura-2-apollo-en", "aura-asteria-en"]),
    encoding=st.sampled_from([Encoding.LINEAR16, Encoding.MULAW, Encoding.ALAW]),
    sample_rate=st.sampled_from([8000, 16000, 24000, 48000]),
    container=st.none(),
    bit_rate=st.none(),
    speed=st.one_of(st.none(), st.floats(0.7, 1.5, allow_nan=False)),
    mip_opt_out=st.one_of(st.none(), st.booleans()),
    extra=st.lists(
        st.tuples(st.sampled_from(["x_style", "x_pitch"]), st.sampled_from(["a", "b", "1"])),
        max_size=2,
        unique_by=lambda kv: kv[0],
    ).map(tuple),
)

# One change of each audio-changing parameter, always to a different value.
CHANGES = {
    "model": lambda p: dataclasses.replace(
        p, model="aura-2-zeus-en" if p.model != "aura-2-zeus-en" else "aura-2-hera-en"
    ),
    "encoding": lambda p: dataclasses.replace(
        p, encoding=Encoding.MULAW if p.encoding is not Encoding.MULAW else Encoding.ALAW
    ),
    "sample_rate": lambda p: dataclasses.replace(
        p, sample_rate=16000 if p.sample_rate != 16000 else 8000
    ),
    "speed": lambda p: dataclasses.replace(p, speed=0.9 if p.speed != 0.9 else 1.1),
    "extra": lambda p: dataclasses.replace(p, extra=(*p.extra, ("x_new", "1"))),
}


@given(params, texts, st.sampled_from(sorted(CHANGES)))
def test_every_audio_changing_parameter_separates_keys(
    base: SpeakParams, text: str, change: str
) -> None:
    changed = CHANGES[change](base)
    assert PhraseKey.for_v1(base, text).digest != PhraseKey.for_v1(changed, text).digest


@given(params, texts, texts)
def test_different_texts_have_different_keys(p: SpeakParams, a: str, b: str) -> None:
    if normalise_text(a) != normalise_text(b):
        assert PhraseKey.for_v1(p, a).digest != PhraseKey.for_v1(p, b).digest


@given(params, texts)
def test_generation_separates_keys(p: SpeakParams, text: str) -> None:
    v1 = PhraseKey.for_v1(p, text)
    fields = {
        "encoding": v1.encoding,
        "sample_rate": v1.sample_rate,
        "container": v1.container,
    }
    again = PhraseKey.from_query(Generation.V1, p.to_query(), text, **fields)
    v2 = PhraseKey.from_query(Generation.V2, p.to_query(), text, **fields)
    assert again == v1
    assert v2.digest != v1.digest


@given(params, texts, st.sampled_from([" ", "  ", "\t", "\n", "\u00a0", "\u2003"]))
def test_whitespace_and_unicode_form_do_not_split_keys(
    p: SpeakParams, text: str, space: str
) -> None:
    variant = space + unicodedata.normalize("NFD", text).replace(" ", space + space) + space
    assert PhraseKey.for_v1(p, variant).digest == PhraseKey.for_v1(p, text).digest


@given(params, texts, st.booleans())
def test_parameters_that_do_not_change_audio_do_not_split_keys(
    p: SpeakParams, text: str, flag: bool
) -> None:
    tagged = dataclasses.replace(p, mip_opt_out=flag, extra=(*p.extra, ("tag", "billing")))
    assert PhraseKey.for_v1(tagged, text).digest == PhraseKey.for_v1(p, text).digest


def test_case_and_punctuation_are_kept() -> None:
    p = SpeakParams(model="aura-2-thalia-en")
    digests = {PhraseKey.for_v1(p, t).digest for t in ["Sure.", "Sure?", "sure.", "SURE.", "Sure"]}
    assert len(digests) == 5


def test_unset_and_default_format_share_a_key_and_rest_none_matches_the_socket() -> None:
    unset = SpeakParams(model="aura-2-thalia-en")
    explicit = SpeakParams(model="aura-2-thalia-en", encoding=Encoding.LINEAR16, sample_rate=24000)
    rest = dataclasses.replace(explicit, container=Container.NONE)
    socket_key = PhraseKey.for_v1(unset, "Hello.")
    assert PhraseKey.for_v1(explicit, "Hello.") == socket_key
    assert PhraseKey.for_v1(rest, "Hello.", Api.REST) == socket_key
    # REST's default output is mp3: a different key
    assert PhraseKey.for_v1(unset, "Hello.", Api.REST) != socket_key


def test_repr_does_not_show_the_text() -> None:
    key = PhraseKey.for_v1(SpeakParams(), "my secret phrase")
    assert "secret" not in repr(key)
