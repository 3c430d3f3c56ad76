"""pass@k and its confidence interval: pure functions of counts, unit-tested against
brute-force enumeration.

pass@k is the chance that at least one of k completions drawn for a problem is correct. Drawing
n >= k completions and counting the c correct ones, the unbiased estimator (Chen et al. 2021,
"Evaluating Large Language Models Trained on Code") is the share of the C(n, k) subsets of size
k that hold at least one correct completion:

    pass@k = 1 - C(n - c, k) / C(n, k)

It is computed as a product, which neither overflows nor loses precision for large n. A
benchmark's pass@k is the mean over its problems.

The interval is a percentile bootstrap over problems: problems are resampled with replacement
and the mean recomputed. Each problem's estimate already carries the noise of its own n
samples, so resampling problems alone accounts for both sources (which problems, which
samples). It is seeded, so the same counts always give the same interval. It cannot see
variation it never observed: when every problem scored the same (all 0, say) the interval is
that point, and with one problem it is that problem's estimate.

maj@k (majority voting, "self-consistency", cons@k) is the reward of the answer most of k
completions give. From n >= k completions grouped into answer classes it is estimated, as pass@k
is, by its mean over all C(n, k) subsets of size k, computed exactly (`majority_at_k`): within a
subset the class with the most members wins, a tie is broken uniformly at random (its expected
reward is the tied classes' mean), completions without a comparable answer do not vote, and a
subset where nobody votes scores 0. With k = n it is the plain majority of all n; with k = 1 it
is the mean reward of the completions that gave an answer, over n. avg@n is the mean reward of
the n completions (pass@1 when rewards are 0 or 1).
"""

from __future__ import annotations

from collections.abc import Sequence
from math import comb

import numpy as np

DEFAULT_CONFIDENCE = 0.95
DEFAULT_RESAMPLES = 2000
_RESAMPLES_PER_BLOCK_ELEMENTS = 2_000_000  # bootstrap draws are made in blocks of this size


def pass_at_k(n: int, correct: int, k: int) -> float:
    """The unbiased estimate of pass@k from `correct` right answers among `n` samples."""
    if not 0 <= correct <= n:
        raise ValueError(f"correct must be in [0, n={n}], got {correct}")
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, n={n}], got {k}")
    if n - correct < k:
        return 1.0  # every subset of size k holds a correct sample
    # C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k / i)
    failing = 1.0
    for i in range(n - correct + 1, n + 1):
        failing *= 1.0 - k / i
    return 1.0 - failing


def majority_at_k(classes: Sequence[tuple[int, float]], abstained: int, k: int) -> float:
    """The expected reward of the majority answer among k of n completions drawn without
    replacement (see the module docstring), from the answer classes as (members, reward) and
    the number of completions that gave no comparable answer; n is their total. Exact: the
    number of subsets in which each class wins is counted, not sampled."""
    counts = [members for members, _ in classes]
    if any(members < 1 for members in counts) or abstained < 0:
        raise ValueError("every answer class needs a member, and abstentions cannot be negative")
    n = sum(counts) + abstained
    if not 1 <= k <= n:
        raise ValueError(f"k must be in [1, n={n}], got {k}")
    total = comb(n, k)
    expected = 0.0
    for winner, (members, reward) in enumerate(classes):
        if reward == 0:
            continue  # its wins add nothing
        rivals = [m for i, m in enumerate(counts) if i != winner]
        for votes in range(1, min(members, k) + 1):
            ways = _winning_subsets(rivals, abstained, votes, k - votes)
            # ways[t]: subsets where it has `votes` and t rivals tie with it (it wins 1/(t+1));
            # exact integers, divided last: C(n, k) outgrows a float's range near n = 1030
            for ties, count in enumerate(ways):
                expected += reward * (comb(members, votes) * count / ((ties + 1) * total))
    return expected


def _winning_subsets(rivals: Sequence[int], abstained: int, votes: int, rest: int) -> list[int]:
    """For each number t of rivals tied at `votes`: the number of ways to pick `rest` more
    completions from the rival classes and the abstentions with no rival above `votes` and
    exactly t rivals at it. Classes too small to reach `votes` and the abstentions are free
    picks, counted by one binomial; only the others need the polynomial product."""
    free = abstained + sum(m for m in rivals if m < votes)
    contenders = [m for m in rivals if m >= votes]
    # table[t][s]: ways to take s completions from the contenders seen so far, t at `votes`
    table = [[0] * (rest + 1) for _ in range(len(contenders) + 1)]
    table[0][0] = 1
    for seen, members in enumerate(contenders):
        below = [comb(members, x) for x in range(min(votes, rest + 1))]
        at = comb(members, votes)
        grown = [[0] * (rest + 1) for _ in range(len(contenders) + 1)]
        for ties in range(seen + 1):
            row = table[ties]
            for s, ways in enumerate(row):
                if not ways:
                    continue
                for x, choose in enumerate(below[: rest + 1 - s]):
                    grown[ties][s + x] += ways * choose
                if s + votes <= rest:
                    grown[ties + 1][s + votes] += ways * at
        table = grown
    return [sum(row[s] * comb(free, rest - s) for s in range(rest + 1)) for row in table]


def mean_pass_at_k(counts: Sequence[tuple[int, int]], k: int) -> float:
    """pass@k of a set of problems: the mean of per-problem estimates from (n, correct)."""
    if not counts:
        raise ValueError("no problems to average over")
    return sum(pass_at_k(n, c, k) for n, c in counts) / len(counts)


def bootstrap_interval(
    values: Sequence[float],
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float]:
    """A percentile bootstrap interval for the mean of `values` (one per problem)."""
    if not values:
        raise ValueError("no values to resample")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    # Draw in blocks so that memory stays bounded for many problems.
    per_block = max(1, _RESAMPLES_PER_BLOCK_ELEMENTS // data.size)
    means = []
    for start in range(0, resamples, per_block):
        size = min(per_block, resamples - start)
        picks = rng.integers(0, data.size, size=(size, data.size))
        means.append(data[picks].mean(axis=1))
    tail = (1 - confidence) / 2
    low, high = np.quantile(np.concatenate(means), [tail, 1 - tail])
    # The interval of a mean lies within the values' range; rounding must not push it out.
    return float(max(low, data.min())), float(min(high, data.max()))


def pass_at_k_with_interval(
    counts: Sequence[tuple[int, int]],
    k: int,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[float, tuple[float, float]]:
    """pass@k over problems given as (n, correct), and its bootstrap interval (widened, if
    need be, to hold the estimate)."""
    per_problem = [pass_at_k(n, c, k) for n, c in counts]
    return mean_with_interval(per_problem, confidence=confidence, resamples=resamples, seed=seed)


def mean_with_interval(
    values: Sequence[float], *, confidence: float, resamples: int, seed: int
) -> tuple[float, tuple[float, float]]:
    """The mean of per-problem values and its bootstrap interval, widened if need be to hold
    the mean: a percentile interval can miss its own estimate by a hair on tiny, skewed
    samples, and readers expect low <= estimate <= high."""
    if not values:
        raise ValueError("no problems to average over")
    estimate = sum(values) / len(values)
    low, high = bootstrap_interval(values, confidence=confidence, resamples=resamples, seed=seed)
    return estimate, (min(low, estimate), max(high, estimate))


def paired_difference_with_interval(
    before: Sequence[tuple[int, int]],
    after: Sequence[tuple[int, int]],
    k: int,
    *,
    confidence: float = DEFAULT_CONFIDENCE,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[float, tuple[float, float]]:
    """pass@k(after) - pass@k(before) over the same problems, given in the same order as
    (n, correct), with a bootstrap interval that resamples problems, keeping each problem's
    pair together. Pairing removes the problem-to-problem spread both policies share, so the
    interval is much narrower than the two policies' own intervals side by side."""
    if len(before) != len(after):
        raise ValueError(f"{len(before)} problems before, {len(after)} after: not paired")
    differences = [
        pass_at_k(n_after, c_after, k) - pass_at_k(n_before, c_before, k)
        for (n_before, c_before), (n_after, c_after) in zip(before, after, strict=True)
    ]
    return mean_with_interval(differences, confidence=confidence, resamples=resamples, seed=seed)
