"""The pool's index of idle sockets: exact best-first order under ranks that change with time."""

from __future__ import annotations

import math
import random

from deepgram_tts2.client.idle import IdleSockets, Rank


class World:
    """Items whose rank is a step function of time: ``steps[item]`` is a list of
    (from_time, rank) pairs; ``gone_at[item]``: from then on the item must not serve."""

    def __init__(self) -> None:
        self.steps: dict[str, list[tuple[float, Rank]]] = {}
        self.gone_at: dict[str, float] = {}
        self.ranked: list[tuple[str, float]] = []

    def rank(self, item: str, now: float) -> Rank | None:
        self.ranked.append((item, now))
        if now >= self.gone_at.get(item, math.inf):
            return None
        return [r for t, r in self.steps[item] if t <= now][-1]

    def changes_at(self, item: str, now: float) -> float:
        later = [t for t, _ in self.steps[item] if t > now]
        return min([*later, self.gone_at.get(item, math.inf)])

    def index(self) -> IdleSockets[str]:
        return IdleSockets(self.rank, self.changes_at)


def test_the_best_is_the_smallest_rank_and_stays_until_taken() -> None:
    world = World()
    world.steps = {"a": [(0.0, (2,))], "b": [(0.0, (1,))], "c": [(0.0, (3,))]}
    index = world.index()
    for item in "abc":
        index.add(item, 0.0)
    assert index.best(1.0) == ("b", [])
    assert index.best(1.0) == ("b", [])
    index.discard("b")
    assert index.best(1.0) == ("a", [])
    assert len(index) == 2
    assert "b" not in index


def test_a_rank_is_renewed_exactly_when_it_changes() -> None:
    world = World()
    # a is better until t=10; from then b's budget has refilled and b is better
    world.steps = {"a": [(0.0, (2,))], "b": [(0.0, (3,)), (10.0, (1,))]}
    index = world.index()
    index.add("a", 0.0)
    index.add("b", 0.0)
    assert index.best(9.99) == ("a", [])
    assert index.best(10.0) == ("b", [])
    # ranked at add and once at its change, not at every call
    assert [t for item, t in world.ranked if item == "b"] == [0.0, 10.0]


def test_an_item_past_its_end_is_handed_back_once_as_unusable() -> None:
    world = World()
    world.steps = {"old": [(0.0, (0,))], "young": [(0.0, (5,))]}
    world.gone_at = {"old": 30.0}
    index = world.index()
    index.add("old", 0.0)
    index.add("young", 0.0)
    assert index.best(29.0) == ("old", [])
    assert index.best(30.0) == ("young", ["old"])
    assert index.best(31.0) == ("young", [])
    assert "old" not in index
    index.add("old", 40.0)  # offered again past its end: unusable at once
    assert index.best(40.0) == ("young", ["old"])


def test_rerank_all_applies_a_change_no_timer_announced() -> None:
    world = World()
    world.steps = {"a": [(0.0, (1,))], "b": [(0.0, (2,))]}
    index = world.index()
    index.add("a", 0.0)
    index.add("b", 0.0)
    world.steps["a"] = [(0.0, (9,))]  # e.g. a lower Flush limit learned from the server
    assert index.best(1.0) == ("a", [])  # the index cannot know by itself
    index.rerank_all(1.0)
    assert index.best(1.0) == ("b", [])


def test_matches_a_full_scan_under_random_use_and_stays_bounded() -> None:
    rng = random.Random(7)
    world = World()
    index = world.index()
    idle: set[str] = set()
    items = [f"s{i}" for i in range(40)]
    now = 0.0
    for _ in range(3000):
        now += rng.random()
        item = rng.choice(items)
        if item in idle and rng.random() < 0.5:
            idle.discard(item)
            index.discard(item)
        else:
            steps = sorted((now + rng.random() * 20, (rng.randrange(5), item)) for _ in range(2))
            world.steps[item] = [(now, (rng.randrange(5), item)), *steps]
            idle.add(item)
            index.add(item, now)
        best, unusable = index.best(now)
        assert unusable == []
        expected = min(idle, key=lambda i: world.rank(i, now) or ()) if idle else None
        assert best == expected
        assert index.entries <= 4 * len(idle) + 32
