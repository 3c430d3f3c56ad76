"""The contracts a verifier, an environment and a curriculum fulfil.

They are `typing.Protocol`s: a plugin implements the methods, it inherits from nothing. Each
kind is registered under an entry-point group (`rlvr.verifiers`, `rlvr.environments`,
`rlvr.curricula`) whose target is a class or factory; see `rlvr.registry`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, Protocol, runtime_checkable

from rlvr.verdict import Verdict

Problem = Mapping[str, Any]
"""A problem record as a verifier sees it: read-only, fields by name (`problem["answer"]`)."""

Message = dict[str, str]
"""One chat message: `{"role": "user", "content": "..."}`."""

Split = Literal["train", "heldout"]


@runtime_checkable
class Verifier(Protocol):
    """Scores one completion of one problem, deterministically.

    The entry point names a class or factory called with no arguments (options by keyword).
    Instances must be picklable so that worker processes and Ray actors can host them.

    Optional members, looked up with `getattr`:
    - `required_fields: tuple[str, ...]` — record fields the verifier reads; a row without
      one is rejected before any scoring, naming the field.
    - `examples() -> Iterable[tuple[Problem, str, float]]` — (problem, completion, expected
      reward) triples, used by the conformance check.
    - `chunk_rows: int` — at most this many of its rows go to a worker at once (`rlvr
      verify`); a verifier whose rows take tens of milliseconds asks for few.
    """

    name: str

    def verify(self, problem: Problem, completion: str) -> Verdict: ...


@runtime_checkable
class Environment(Protocol):
    """A source of problem records and the way to prompt for them.

    Built as `factory(*, seed, **options)`. Generated environments draw from a finite pool
    fixed by seed and size; a fixed hash of the id separates the train split from held-out.
    """

    name: str
    verifier: str
    """Name of the registered verifier that scores this environment's rows."""

    def problems(self, split: Split = "train") -> Sequence[Problem]: ...

    def prompt(self, problem: Problem) -> list[Message]: ...


@runtime_checkable
class Curriculum(Protocol):
    """Chooses which problems the next batch trains on.

    Built as `factory(problems, *, seed, **options)` from the records it may draw from.
    `next_batch` must be a pure function of (state, size, step) so that every training
    process draws the same batch.
    """

    def next_batch(self, size: int, step: int) -> list[str]: ...

    def observe(self, outcomes: Mapping[str, Sequence[float]]) -> None: ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: Mapping[str, Any]) -> None: ...


KINDS: dict[str, tuple[str, ...]] = {
    "verifiers": ("verify",),
    "environments": ("problems", "prompt"),
    "curricula": ("next_batch", "observe", "state_dict", "load_state_dict"),
}
"""The methods that make an object of each plugin kind; checked when a plugin is loaded."""


def missing_methods(kind: str, obj: object) -> list[str]:
    """Which of `kind`'s methods `obj` (a class or an instance) lacks."""
    return [m for m in KINDS[kind] if not callable(getattr(obj, m, None))]


def iter_examples(verifier: Verifier) -> Iterable[tuple[Problem, str, float]]:
    """A verifier's own examples, or none."""
    examples = getattr(verifier, "examples", None)
    return examples() if callable(examples) else ()
