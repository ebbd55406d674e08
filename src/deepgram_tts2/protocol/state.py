"""One finite-state transition table type for every state machine of the library.

Sessions, connections, the pool and the breaker each declare their states and events as enums
and their legal moves as a :class:`StateTable`; an illegal move raises :class:`TransitionError`
(docs/README.md "Architecture": state machines are tables and illegal transitions raise).
"""

from __future__ import annotations

import enum
from typing import Generic, TypeVar

S = TypeVar("S", bound=enum.Enum)
E = TypeVar("E", bound=enum.Enum)


class TransitionError(RuntimeError):
    """An event that the table does not allow in the current state."""


class StateTable(Generic[S, E]):
    """A finite-state transition table: ``(state, event) -> next state``."""

    def __init__(self, transitions: dict[tuple[S, E], S]) -> None:
        self._transitions = dict(transitions)

    @property
    def transitions(self) -> dict[tuple[S, E], S]:
        """Every legal move (a copy)."""
        return dict(self._transitions)

    def allows(self, state: S, event: E) -> bool:
        """True when ``event`` is legal in ``state``."""
        return (state, event) in self._transitions

    def next(self, state: S, event: E) -> S:
        """The state after ``event``.

        Raises:
            TransitionError: when the table has no such transition.
        """
        try:
            return self._transitions[(state, event)]
        except KeyError:
            raise TransitionError(f"{event.name} is not allowed in state {state.name}") from None
