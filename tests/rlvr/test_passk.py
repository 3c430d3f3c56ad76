"""pass@k against brute-force enumeration, and its bootstrap interval's behaviour and coverage."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlvr.passk import (
    bootstrap_interval,
    majority_at_k,
    mean_pass_at_k,
    paired_difference_with_interval,
    pass_at_k,
    pass_at_k_with_interval,
)


def enumerated_pass_at_k(n: int, correct: int, k: int) -> float:
    """The share of all size-k subsets of the n samples that hold a correct one."""
    samples = [True] * correct + [False] * (n - correct)
    subsets = list(itertools.combinations(samples, k))
    return sum(any(subset) for subset in subsets) / len(subsets)


@st.composite
def counts(draw: st.DrawFn, max_n: int = 10) -> tuple[int, int, int]:
    n = draw(st.integers(1, max_n))
    return n, draw(st.integers(0, n)), draw(st.integers(1, n))


@given(counts())
def test_pass_at_k_equals_enumeration_of_every_subset(case: tuple[int, int, int]) -> None:
    n, correct, k = case
    assert pass_at_k(n, correct, k) == pytest.approx(enumerated_pass_at_k(n, correct, k), abs=1e-12)


@given(counts(max_n=300))
def test_pass_at_k_equals_the_exact_binomial_ratio_for_large_n(case: tuple[int, int, int]) -> None:
    n, correct, k = case
    exact = 1 - Fraction(math.comb(n - correct, k), math.comb(n, k))
    assert pass_at_k(n, correct, k) == pytest.approx(float(exact), abs=1e-9)


@given(counts())
def test_pass_at_1_is_the_share_correct_and_pass_at_k_grows_with_k_and_correct(
    case: tuple[int, int, int],
) -> None:
    n, correct, k = case
    assert pass_at_k(n, correct, 1) == pytest.approx(correct / n)
    assert 0.0 <= pass_at_k(n, correct, k) <= 1.0
    if k < n:
        assert pass_at_k(n, correct, k + 1) >= pass_at_k(n, correct, k) - 1e-12
    if correct < n:
        assert pass_at_k(n, correct + 1, k) >= pass_at_k(n, correct, k) - 1e-12


def test_edges() -> None:
    assert pass_at_k(16, 0, 16) == 0.0
    assert pass_at_k(16, 16, 1) == 1.0
    assert pass_at_k(16, 1, 16) == 1.0  # every 16-subset of 16 samples holds the one
    assert pass_at_k(1000, 1, 1) == pytest.approx(0.001)


@pytest.mark.parametrize(("n", "correct", "k"), [(4, 5, 1), (4, -1, 1), (4, 2, 0), (4, 2, 5)])
def test_impossible_counts_are_refused(n: int, correct: int, k: int) -> None:
    with pytest.raises(ValueError, match="must be in"):
        pass_at_k(n, correct, k)


def test_mean_pass_at_k_averages_problems() -> None:
    assert mean_pass_at_k([(4, 0), (4, 4)], 1) == 0.5
    assert mean_pass_at_k([(4, 1), (2, 1)], 2) == pytest.approx((0.5 + 1.0) / 2)
    with pytest.raises(ValueError, match="no problems"):
        mean_pass_at_k([], 1)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=30), st.integers(0, 2**32))
def test_the_interval_holds_the_estimate_within_the_values_range(
    values: list[float], seed: int
) -> None:
    counts = [(100, round(v * 100)) for v in values]
    estimate, (low, high) = pass_at_k_with_interval(counts, 1, resamples=200, seed=seed)
    per_problem = [c / 100 for _, c in counts]
    assert min(per_problem) - 1e-12 <= low <= estimate <= high <= max(per_problem) + 1e-12


def test_the_interval_is_reproducible_from_its_seed() -> None:
    values = np.random.default_rng(0).random(30).tolist()
    assert bootstrap_interval(values, seed=3) == bootstrap_interval(values, seed=3)
    assert bootstrap_interval(values, seed=3) != bootstrap_interval(values, seed=4)


def test_identical_problems_give_a_point_interval() -> None:
    assert bootstrap_interval([0.0] * 20) == (0.0, 0.0)
    assert bootstrap_interval([0.4]) == (0.4, 0.4)


def test_many_problems_are_resampled_in_bounded_blocks() -> None:
    values = np.random.default_rng(0).random(50_000).tolist()
    low, high = bootstrap_interval(values, resamples=100)
    mean = float(np.mean(values))
    standard_error = float(np.std(values) / math.sqrt(len(values)))
    assert low < mean < high
    assert high - low == pytest.approx(2 * 1.96 * standard_error, rel=0.3)


@pytest.mark.parametrize("k", [1, 4])
def test_the_95_percent_interval_covers_the_truth_about_95_percent_of_the_time(k: int) -> None:
    """Problems of a benchmark drawn from a population whose per-problem solve rates follow
    Beta(1, 2); 8 samples each. The interval should hold the population's pass@k in about 95%
    of 400 simulated evaluations (a fixed numpy seed: the test is deterministic)."""
    rng = np.random.default_rng(1234)
    population = rng.beta(1, 2, size=1_000_000)
    truth = float(np.mean(1 - (1 - population) ** k))
    n, problems, trials = 8, 60, 400
    covered = 0
    for trial in range(trials):
        rates = rng.beta(1, 2, size=problems)
        correct = rng.binomial(n, rates)
        _, (low, high) = pass_at_k_with_interval(
            [(n, int(c)) for c in correct], k, resamples=1000, seed=trial
        )
        covered += low <= truth <= high
    assert 0.90 <= covered / trials <= 0.985


def test_a_paired_difference_is_the_difference_of_the_means() -> None:
    before = [(4, 0), (4, 1), (4, 4), (4, 2)]
    after = [(4, 1), (4, 1), (4, 4), (4, 4)]
    for k in (1, 2, 4):
        value, (low, high) = paired_difference_with_interval(before, after, k, resamples=500)
        assert value == pytest.approx(mean_pass_at_k(after, k) - mean_pass_at_k(before, k))
        assert low <= value <= high
    assert paired_difference_with_interval(before, before, 1)[1] == (0.0, 0.0)
    with pytest.raises(ValueError, match="not paired"):
        paired_difference_with_interval(before, after[:2], 1)


def test_pairing_finds_a_gain_the_two_separate_intervals_overlap_on() -> None:
    """Problems of very different difficulty, each a little easier after training: the two
    policies' own intervals overlap (the problem spread dominates them), the paired interval
    excludes 0. And it covers the true gain about 95% of the time."""
    rng = np.random.default_rng(7)
    n, problems, gain = 4, 64, 0.08
    covered = excluded_zero = overlapped = 0
    trials = 200
    for trial in range(trials):
        rates = rng.beta(0.5, 0.5, size=problems)
        before = [(n, int(c)) for c in rng.binomial(n, rates)]
        after = [(n, int(c)) for c in rng.binomial(n, np.clip(rates + gain, 0, 1))]
        true_gain = float(np.mean(np.clip(rates + gain, 0, 1) - rates))
        _, (low, high) = paired_difference_with_interval(
            before, after, 1, resamples=1000, seed=trial
        )
        b_high = pass_at_k_with_interval(before, 1, resamples=1000, seed=trial)[1][1]
        a_low = pass_at_k_with_interval(after, 1, resamples=1000, seed=trial)[1][0]
        covered += low <= true_gain <= high
        excluded_zero += low > 0
        overlapped += a_low <= b_high
    assert 0.90 <= covered / trials <= 0.985
    assert overlapped / trials > 0.9  # side by side, the gain mostly looks like noise
    assert excluded_zero / trials > 0.5  # paired, it mostly does not


# -- maj@k ----------------------------------------------------------------------------------------


def enumerated_majority_at_k(classes: list[tuple[int, float]], abstained: int, k: int) -> float:
    """The mean, over every size-k subset, of the majority class's reward (ties: their mean;
    nobody voting: 0)."""
    samples = [c for c, (members, _) in enumerate(classes) for _ in range(members)]
    samples += [None] * abstained
    total = 0.0
    subsets = list(itertools.combinations(samples, k))
    for subset in subsets:
        votes = Counter(c for c in subset if c is not None)
        if votes:
            top = max(votes.values())
            tied = [c for c, count in votes.items() if count == top]
            total += sum(classes[c][1] for c in tied) / len(tied)
    return total / len(subsets)


@st.composite
def vote_counts(draw: st.DrawFn) -> tuple[list[tuple[int, float]], int, int]:
    classes = draw(
        st.lists(st.tuples(st.integers(1, 4), st.sampled_from([0.0, 1.0, 0.5])), max_size=4)
    )
    abstained = draw(st.integers(0 if classes else 1, 3))
    n = sum(members for members, _ in classes) + abstained
    return classes, abstained, draw(st.integers(1, n))


@settings(deadline=None)  # enumeration takes a while on a busy machine, not maj@k
@given(vote_counts())
def test_majority_at_k_equals_enumeration_of_every_subset(
    case: tuple[list[tuple[int, float]], int, int],
) -> None:
    classes, abstained, k = case
    assert majority_at_k(classes, abstained, k) == pytest.approx(
        enumerated_majority_at_k(classes, abstained, k), abs=1e-12
    )


def test_majority_at_k_edges() -> None:
    # k = n: the plain majority; the right answer in the minority loses however often it appears
    assert majority_at_k([(3, 1.0), (1, 0.0)], 0, 4) == 1.0
    assert majority_at_k([(1, 1.0), (3, 0.0)], 0, 4) == 0.0
    assert majority_at_k([(2, 1.0), (2, 0.0)], 0, 4) == 0.5  # a tie, broken at random
    assert majority_at_k([(1, 1.0)], 5, 6) == 1.0  # abstentions do not vote
    assert majority_at_k([], 4, 2) == 0.0  # nobody answered
    # k = 1: the share of samples that gave the right answer
    assert majority_at_k([(3, 1.0), (5, 0.0)], 2, 1) == pytest.approx(0.3)
    # voting helps a plurality answer, unlike pass@k it never credits a lone right answer
    assert majority_at_k([(4, 1.0), (1, 0.0), (1, 0.0), (1, 0.0)], 0, 5) == 1.0
    assert majority_at_k([(1, 1.0), (6, 0.0)], 0, 5) == 0.0


def test_majority_at_k_is_exact_for_large_n() -> None:
    """C(1100, 550) is beyond a float: the counts stay integers until the last division."""
    assert majority_at_k([(600, 1.0), (500, 0.0)], 0, 1100) == 1.0
    value = majority_at_k([(600, 1.0), (500, 0.0)], 0, 550)
    assert 0.99 < value < 1.0


@pytest.mark.parametrize(
    ("classes", "abstained", "k"), [([(2, 1.0)], 0, 3), ([(2, 1.0)], 0, 0), ([(0, 1.0)], 1, 1)]
)
def test_impossible_votes_are_refused(
    classes: list[tuple[int, float]], abstained: int, k: int
) -> None:
    with pytest.raises(ValueError, match=r"k must be|member"):
        majority_at_k(classes, abstained, k)
