"""The contracts a verifier, an environment and a curriculum fulfil: everything a plugin
must provide, and everything it may.

They are `typing.Protocol`s: a plugin implements the methods, it inherits from nothing. Each
kind is registered under an entry-point group (`rlvr.verifiers`, `rlvr.environments`,
`rlvr.curricula`) whose target is a class or factory; see `rlvr.registry`.

What a plugin MAY provide is declared here too, each optional member as a small Protocol of
its own (`VerifierExamples`, `TrainingVerifierOptions`, `CurriculumMetrics`, ...) with one
accessor below that the core calls: no other module looks a plugin member up by `getattr`,
`hasattr` or signature sniffing, and the core treats a built-in exactly as a plugin (the
math verifier's two readings in `rlvr eval` are its declared `extraction_modes`, not a check
of its name).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping, Sequence
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

    Optional members (each read through its accessor below):
    - `required_fields: tuple[str, ...]` — record fields the verifier reads; a row without
      one is rejected before any scoring, naming the field (`VerifierRequiredFields`).
    - `examples() -> Iterable[tuple[Problem, str, float]]` — (problem, completion, expected
      reward) triples, used by the conformance check (`VerifierExamples`).
    - `chunk_rows: int` — at most this many of its rows go to a worker at once; a verifier
      whose rows take tens of milliseconds asks for few (`VerifierChunkRows`).
    - `extraction_modes: tuple[str, ...]` — the readings `rlvr eval` reports, each judged
      with the row's `mode` field set to it, the first the headline (`VerifierExtractionModes`).
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

    # Optional: `training_verifier_options` (`TrainingVerifierOptions`).

    def problems(self, split: Split = "train") -> Sequence[Problem]: ...

    def prompt(self, problem: Problem) -> list[Message]: ...


@runtime_checkable
class Curriculum(Protocol):
    """Chooses which problems the next batch trains on.

    Built as `factory(problems, *, seed, **options)` from the records it may draw from.
    `next_batch` must be a pure function of (state, size, step) so that every training
    process draws the same batch.

    Optional: `metrics()` (`CurriculumMetrics`); a factory parameter `total_steps`, given the
    run's length when it has one (`takes_total_steps`).
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


# -- what a plugin may provide ------------------------------------------------------------------

Example = tuple[Problem, str, float]
"""(problem, completion, expected reward): one conformance example."""


@runtime_checkable
class VerifierExamples(Protocol):
    def examples(self) -> Iterable[Example]: ...


@runtime_checkable
class VerifierRequiredFields(Protocol):
    required_fields: tuple[str, ...]


@runtime_checkable
class VerifierChunkRows(Protocol):
    chunk_rows: int


@runtime_checkable
class VerifierExtractionModes(Protocol):
    extraction_modes: tuple[str, ...]


@runtime_checkable
class TrainingVerifierOptions(Protocol):
    """An environment whose verifier takes shaping options in training only (e.g. partial
    credit for an unboxed math answer); evaluation judges without them."""

    training_verifier_options: Mapping[str, Any]


@runtime_checkable
class CurriculumMetrics(Protocol):
    """A curriculum that reports numbers of its own each step (`env/<name>/curriculum/<key>`
    in metrics.jsonl)."""

    def metrics(self) -> Mapping[str, float]: ...


def has_examples(verifier: object) -> bool:
    """Whether the verifier offers `examples()`."""
    return callable(getattr(verifier, "examples", None))


def iter_examples(verifier: object) -> Iterable[Example]:
    """A verifier's own examples, or none."""
    return verifier.examples() if isinstance(verifier, VerifierExamples) else ()


def required_fields(verifier: object) -> tuple[str, ...]:
    """The record fields a verifier (or its class) reads; none declared: ()."""
    return tuple(getattr(verifier, "required_fields", ()))


def declared_chunk_rows(verifier: object) -> int | None:
    """How many of a verifier's rows one chunk may hold, when it says."""
    value = getattr(verifier, "chunk_rows", None)
    return None if value is None else max(1, int(value))


def extraction_modes(verifier: object) -> tuple[str | None, ...]:
    """The readings `rlvr eval` reports for the verifier; (None,): its own, once."""
    modes = tuple(getattr(verifier, "extraction_modes", ()))
    return modes or (None,)


def training_options(environment: object) -> dict[str, Any]:
    """The verifier options an environment asks for in training; none: {}."""
    return dict(getattr(environment, "training_verifier_options", {}) or {})


def curriculum_metrics(curriculum: object) -> dict[str, float]:
    """A curriculum's own numbers this step; none: {}."""
    return dict(curriculum.metrics()) if isinstance(curriculum, CurriculumMetrics) else {}


def takes_total_steps(factory: Callable[..., Any]) -> bool:
    """Whether a curriculum factory takes the run's length (`total_steps`)."""
    try:
        return "total_steps" in inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
