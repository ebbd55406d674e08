"""Fleet options: validation, secrets kept out of reprs, the factory, the scripts load."""

from __future__ import annotations

import subprocess
import sys

import pytest
import redis.asyncio as aioredis
from pydantic import ValidationError

from deepgram_tts2.fleet import (
    FleetOptions,
    GovernorOptions,
    Kind,
    LocalGovernor,
    create_governor,
    lua,
)
from deepgram_tts2.fleet.redact import redact_url
from deepgram_tts2.fleet.redis_governor import RedisGovernor

URL = "redis://:s3cret-pw@cache.internal:6379/0"


def test_the_redis_backends_need_a_url() -> None:
    with pytest.raises(ValidationError):
        FleetOptions.model_validate({"governor": {"backend": "redis"}})
    with pytest.raises(ValidationError):
        FleetOptions.model_validate({"cache": {"backend": "redis"}})
    with pytest.raises(ValidationError):
        FleetOptions.model_validate({"redis_url": "http://cache:6379"})


@pytest.mark.parametrize("project", ["", "a{b}", "with space", "x" * 101])
def test_project_keys_that_would_break_the_key_layout_are_refused(project: str) -> None:
    with pytest.raises(ValidationError):
        FleetOptions(project=project)


def test_renewal_must_come_before_expiry() -> None:
    with pytest.raises(ValidationError):
        GovernorOptions(lease_ttl_s=3, renew_interval_s=3)
    assert GovernorOptions(lease_ttl_s=9, ticket_ttl_s=30).renew_s == 3


def test_fallback_share_rounds_down_but_allows_one() -> None:
    gov = GovernorOptions(websocket_limit=45, rest_limit=3, fallback_share=0.25)
    assert gov.fallback_limit(Kind.WEBSOCKET) == 11
    assert gov.fallback_limit(Kind.REST) == 1


def test_no_repr_or_error_shows_the_password() -> None:
    options = FleetOptions.model_validate({"redis_url": URL, "governor": {"backend": "redis"}})
    assert "s3cret" not in repr(options)
    assert "s3cret" not in str(options.model_dump())
    assert "s3cret" not in repr(RedisGovernor(options))
    with pytest.raises(ValidationError) as caught:
        FleetOptions.model_validate({"redis_url": "http://:s3cret-pw@cache"})
    assert "s3cret" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (URL, "redis://***@cache.internal:6379/0"),
        ("rediss://user:pw@h:6380", "rediss://***@h:6380"),
        ("redis://h:6379/0?password=pw&db=1", "redis://h:6379/0?password=***&db=1"),
        ("unix://:pw@/run/redis.sock?db=0", "unix://***@/run/redis.sock?db=0"),
        ("redis://h:6379", "redis://h:6379"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_the_factory_builds_the_configured_governor() -> None:
    assert isinstance(create_governor(FleetOptions()), LocalGovernor)
    options = FleetOptions.model_validate({"redis_url": URL, "governor": {"backend": "redis"}})
    assert isinstance(create_governor(options), RedisGovernor)


async def test_every_script_compiles_on_the_server(raw_redis: aioredis.Redis) -> None:
    sources = [
        lua.ACQUIRE,
        lua.DROP,
        lua.HEARTBEAT,
        lua.CACHE_GET,
        lua.CACHE_PUT,
        lua.CACHE_CONTAINS,
    ]
    for source in sources:
        assert len(await raw_redis.script_load(source)) == 40


def test_the_in_process_pieces_do_not_import_redis() -> None:
    code = (
        "import sys, deepgram_tts2.fleet as f\n"
        "f.create_governor(f.FleetOptions()); f.create_cache(f.FleetOptions())\n"
        "assert 'redis' not in sys.modules, 'redis imported'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
