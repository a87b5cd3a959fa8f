"""Shape rules of the named functions, written once over an abstract size
algebra so that the same rule serves shape inference (symbolic sizes being
unified) and the construction of resolved nodes. Imports nothing of matdiff.
"""
from __future__ import annotations

from typing import Callable, Generic, Protocol, Sequence, TypeVar

D = TypeVar("D")


class SizeAlgebra(Protocol, Generic[D]):
    one: D

    def unify(self, a: D, b: D, what: Callable[[], str]) -> None: ...  # what: the message, made on failure
    def is_one(self, a: D) -> bool: ...
    def product(self, a: D, b: D) -> D: ...
    def fail(self, message: str) -> None: ...
    def text(self, a: D) -> str: ...
    def fresh(self) -> D: ...
    def smaller(self, a: D, b: D) -> D | None: ...  # min(a, b) where the sizes tell it, else None
    def argument(self, i: int) -> str: ...  # "A is a 2×3 matrix": argument i for messages
    def describe(self, i: int) -> str: ...  # "a 2×3 matrix": the shape of argument i


ShapeRule = Callable[["SizeAlgebra", str, Sequence[tuple]], tuple]


def square(alg: SizeAlgebra, name: str, shape: tuple) -> None:
    r, c = shape
    if alg.is_one(r) and alg.is_one(c):
        return
    if alg.is_one(c) or alg.is_one(r):
        alg.fail(f"{name} needs a square matrix, but {alg.argument(0)}")
    alg.unify(r, c, lambda: f"{name} needs a square matrix, but {alg.argument(0)}")


def elementwise(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    return shapes[0]


def square_to_scalar(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    square(alg, name, shapes[0])
    return (alg.one, alg.one)


def square_to_square(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    square(alg, name, shapes[0])
    return shapes[0]


def any_to_scalar(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    return (alg.one, alg.one)


def stack_columns(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    r, c = shapes[0]
    return (alg.product(r, c), alg.one)


def diagonal(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    r, c = shapes[0]
    if alg.is_one(c):          # a column vector (or a scalar) becomes a diagonal matrix
        return (r, r)
    if alg.is_one(r):
        alg.fail("diag needs a column vector or a square matrix, not a row vector (transpose it first)")
    square(alg, name, shapes[0])
    return (r, alg.one)


def spectrum(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    square(alg, name, shapes[0])
    return (shapes[0][0], alg.one)


def _same_shape(alg: SizeAlgebra, name: str, r1, c1, r2, c2) -> None:
    def what() -> str:
        return f"the two arguments of {name} must have the same shape, but {alg.argument(0)} and {alg.argument(1)}"
    alg.unify(r1, r2, what)
    alg.unify(c1, c2, what)


def entrywise_pair(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    (r1, c1), (r2, c2) = shapes
    _same_shape(alg, name, r1, c1, r2, c2)
    return shapes[0]


def pairing(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    (r1, c1), (r2, c2) = shapes
    _same_shape(alg, name, r1, c1, r2, c2)
    return (alg.one, alg.one)
