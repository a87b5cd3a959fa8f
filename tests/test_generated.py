"""Properties on generated expressions (tests/expressions.py): a bounded,
seeded sample runs here; tests/verify_at_scale.py runs tens of thousands.
A failure names the seed and a shrunk expression that still fails."""
from __future__ import annotations

import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expressions import CODE_NAMES, Generator, HypothesisChooser, RandomChooser, as_program, shrink
from properties import PROPERTIES, Skip

SEEDS = range(0, 240)   # a few hundred expressions per property in CI


def _sample(seed: int, oracle_only: bool):
    gen = Generator(RandomChooser(seed), size=4, oracle_only=oracle_only)
    return gen.scalar_expression() if seed % 2 == 0 else gen.expression()


def _judge(name: str, sample, seed: int) -> None:
    prop = PROPERTIES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            message = prop(sample, seed)
        except Skip:
            return
    if message is None:
        return

    def fails(candidate) -> bool:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return prop(candidate, seed) is not None
        except Skip:
            return False

    small = shrink(sample, fails)
    pytest.fail(f"{name} fails for seed {seed}: {message}\n  expression: {sample.text}\n  where: {sample.where}\n"
                f"  shrunk: {small.text}\n  where: {small.where}")


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_property_on_seeded_expressions(name):
    for seed in SEEDS:
        _judge(name, _sample(seed, oracle_only=name.startswith("oracle")), seed)


# What a program changes: parsing, the backward pass, the closed form's names, the code's statements.
PROGRAM_PROPERTIES = ("oracle", "differences", "code", "oracle_hessian", "hessian", "simplify", "round_trip",
                      "fewest_parentheses", "latex", "steps")


@pytest.mark.parametrize("name", PROGRAM_PROPERTIES)
def test_property_on_expressions_cut_into_programs(name):
    """The same expressions with random subexpressions named by definitions."""
    for seed in range(0, 160):
        sample = as_program(_sample(seed, oracle_only=name.startswith("oracle")), RandomChooser(seed + 10_000))
        _judge_program(name, sample, seed)


def _judge_program(name: str, sample, seed: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            message = PROPERTIES[name](sample, seed)
        except Skip:
            return
    assert message is None, (f"{name} fails for seed {seed}: {message}\n  program: {sample.text}\n"
                             f"  where: {sample.where}")


def test_check_rejects_gradients_outside_the_set_on_sixty_structured_samples():
    """The seeded run meets few structured variables: scan further until 60 are judged."""
    from properties import check_rejects_results_outside_the_set
    judged = 0
    for seed in range(20_000):
        sample = Generator(RandomChooser(seed), size=4).scalar_expression()
        if not any(sym.properties for sym in sample.symbols):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                message = check_rejects_results_outside_the_set(sample, seed)
            except Skip:
                continue
        assert message is None, f"seed {seed}: {message}\n  expression: {sample.text}\n  where: {sample.where}"
        judged += 1
        if judged == 60:
            return
    raise AssertionError(f"only {judged} structured samples")


@pytest.mark.parametrize("name", ["oracle", "oracle_hessian", "code", "differences"])
def test_properties_hold_with_symbols_named_like_the_code_internals(name):
    """Symbols called n, t0, np, float, lambda, ... (sizes, temporaries, modules,
    builtins and keywords of generated code) give the same numbers."""
    for seed in range(0, 160):
        sample = _sample(seed, oracle_only=name.startswith("oracle"))
        _judge(name, sample.renamed(CODE_NAMES[seed % 3:]), seed)


@st.composite
def scalar_expressions(draw, size: int = 3, oracle_only: bool = True):
    """A hypothesis strategy of generated scalar expressions."""
    data = draw(st.data())
    return Generator(HypothesisChooser(data), size=size, oracle_only=oracle_only).scalar_expression()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(scalar_expressions())
def test_gradients_of_hypothesis_expressions_match_the_oracle(sample):
    _judge("oracle", sample, 0)


def test_generator_covers_the_language():
    """Every operator and function appears among a few hundred generated expressions."""
    seen = set()
    for seed in range(400):
        sample = _sample(seed, oracle_only=False)
        seen.update(sample.expr.features)
        seen.update(tok for tok in ("+", "-", "*", ".*", "./", "'", "ᵀ", "^T", "⊗", ".^", "/", "I", "vector(",
                                    "matrix(") if tok in sample.text)
    from expressions import ENTRYWISE
    wanted = set(ENTRYWISE) | {"tr", "det", "logdet", "log_det", "sum", "norm1", "norm2", "inner", "kron",
                               "diag", "inv", "adj", "power", "negative_power", "expm", "logm", "sqrtm",
                               "eigvals", "+", "-", "*", ".*", "./", "'", "ᵀ", "^T", "⊗", ".^", "/", "I",
                               "vector(", "matrix(", "broadcast", "chol", "solve", "softmax", "svdvals", "logsumexp",
                               "mean", "max", "min", "nucnorm", "opnorm", "eigmax", "eigmin"}
    assert wanted <= seen, sorted(wanted - seen)
