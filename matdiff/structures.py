"""Declared structures: one record per property a symbol can be declared
with — what it implies, how a gradient is projected onto the set (its tangent
space, with the Frobenius inner product), how check() draws a member and a
tangent direction, which part of a matrix lies outside the tangent space, how
an argument is verified (the probe ships into generated code), what the
directions of a Hessian operator are, and which kernels it enables. Every
other module asks these records; none spells a property.
Imports nodes, ops and lazy_numpy.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from fractions import Fraction
from typing import Any, Callable, Mapping

from .lazy_numpy import np
from .nodes import Add, Mul, Node, Number, Symbol, Transpose
from .ops import diagonal

HALF = Number(Fraction(1, 2))
Simplify = Callable[[Node], Node]
Predicate = Callable[[Node], bool]


# -- argument probes, shipped verbatim into generated code ---------------------
def _check_symmetric(a, name, declared):
    """Refuse a value that is not symmetric (three rows against three columns:
    linear cost, relative tolerance 1e-8)."""
    n = a.shape[0]
    rows = [0, n // 2, n - 1]
    r = a[rows]
    gap = float(np.abs(r - a[:, rows].T).max())
    if gap > 1e-8 * max(1.0, float(np.abs(r).max())):
        raise ValueError("%s is declared %s but is not symmetric (|%s - %s'| reaches %.3g)"
                         % (name, declared, name, name, gap))


def _check_diagonal(a, name, declared):
    """Refuse a value with off-diagonal entries (three rows probed)."""
    n = a.shape[0]
    rows = [0, n // 2, n - 1]
    r = a[rows].copy()
    scale = max(1.0, float(np.abs(r).max()))
    r[[0, 1, 2], rows] = 0.0
    gap = float(np.abs(r).max())
    if gap > 1e-8 * scale:
        raise ValueError("%s is declared %s but has an off-diagonal entry of %.3g" % (name, declared, gap))


def _check_orthogonal(a, name, declared):
    """Refuse a value with QᵀQ ≠ I (checked along one fixed probe vector)."""
    n = a.shape[0]
    v = np.arange(1.0, n + 1.0)
    v /= np.sqrt(v @ v)
    gap = float(np.abs(a.T @ (a @ v) - v).max())
    if gap > 1e-8 * n:
        raise ValueError("%s is declared %s but %s'%s differs from I (by %.3g along a probe)"
                         % (name, declared, name, name, gap))


# -- draws for check() -----------------------------------------------------------
def _rotation(rng: Any, n: int) -> Any:
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    Q = Q * np.sign(np.diag(R))
    if np.linalg.det(Q) < 0:
        Q[:, 0] = -Q[:, 0]
    return Q


def _draw_symmetric(rng: Any, n: int) -> Any:
    G = rng.standard_normal((n, n))
    return (G + G.T) / 2


def _draw_spd(rng: Any, n: int) -> Any:
    Q = _rotation(rng, n)
    return (Q * rng.uniform(0.5, 2.0, n)) @ Q.T


def _draw_invertible(rng: Any, n: int) -> Any:
    """Well conditioned, det > 0."""
    Q1, Q2 = _rotation(rng, n), _rotation(rng, n)
    return (Q1 * rng.uniform(0.7, 1.6, n)) @ Q2


# -- projections of gradients (Frobenius inner product) ---------------------------
def _transposes(node: Node) -> int:
    return sum(1 for n in node.walk() if isinstance(n, Transpose))


def _project_symmetric(G: Node, X: Symbol, simplify: Simplify, is_symmetric: Predicate) -> Node:
    """sym(G) = (G + Gᵀ)/2, written with the fewer transposes first (A + Aᵀ);
    G itself where it is symmetric by construction."""
    if is_symmetric(G):
        return G
    Gt = simplify(Transpose(G))
    pair = (G, Gt) if _transposes(G) <= _transposes(Gt) else (Gt, G)
    return Mul((HALF, Add(pair)))


def _project_diagonal(G: Node, X: Symbol, simplify: Simplify, is_symmetric: Predicate) -> Node:
    """The diagonal part of G, as a diagonal matrix."""
    return diagonal(diagonal(G))


def _project_orthogonal(G: Node, X: Symbol, simplify: Simplify, is_symmetric: Predicate) -> Node:
    """The Riemannian gradient on the orthogonal group: X skew(Xᵀ G) = (G − X Gᵀ X)/2."""
    return Mul((HALF, Add((G, Mul((Number(Fraction(-1)), X, Transpose(G), X))))))


SYM = "sym(G) = (G + Gᵀ)/2"


@dataclass(frozen=True, kw_only=True)
class Structure:
    """Everything matdiff knows about one declared property."""

    name: str
    summary: str
    priority: int                       # which of several properties decides the draws (highest)
    symmetric: bool = False             # members equal their transpose
    orthogonal: bool = False            # members have XᵀX = I (Xᵀ is X⁻¹)
    invertible: bool = False            # every member is invertible
    positive_definite: bool = False     # functions use their definite forms (logdet by Cholesky)
    kernels: Mapping[str, str] = field(default_factory=dict)  # a code kernel role -> the one members use
    # G onto the tangent space at X: (G, X, simplify, is_symmetric) -> an unsimplified node
    project: Callable[[Node, Symbol, Simplify, Predicate], Node] | None = None
    projection_identity: str = ""       # `project` as a formula, as derivation steps cite it
    draw: Callable[[Any, int], Any]     # a random member of size n×n
    tangent: Callable[[Any, Any], Any] | None = None  # (E drawn at random, X) -> a tangent direction at X
    normal_part: Callable[[Any, Any], Any] | None = None   # (X, G) -> the part of G outside the tangent space
    probe: Callable[..., None] | None = None  # the argument check (shipped into generated code)
    directions: str | None = None       # the structure tangent directions have (spd: symmetric)


STRUCTURES: dict[str, Structure] = {s.name: s for s in (
    Structure(name="symmetric", summary="X = Xᵀ", priority=2, symmetric=True, project=_project_symmetric,
              projection_identity=SYM,
              draw=_draw_symmetric, tangent=lambda E, X: (E + E.T) / 2, normal_part=lambda X, G: (G - G.T) / 2,
              probe=_check_symmetric, directions="symmetric"),
    Structure(name="spd", summary="symmetric positive definite", priority=5, symmetric=True,
              positive_definite=True, invertible=True, kernels={"inverse": "spd_inverse"},
              project=_project_symmetric, projection_identity=SYM, draw=_draw_spd,
              tangent=lambda E, X: (E + E.T) / 2, normal_part=lambda X, G: (G - G.T) / 2,
              probe=_check_symmetric, directions="symmetric"),
    Structure(name="diagonal", summary="zero off the diagonal", priority=3, symmetric=True,
              project=_project_diagonal, projection_identity="Diag(diag(G)): the diagonal part",
              draw=lambda rng, n: np.diag(rng.standard_normal(n)),
              tangent=lambda E, X: np.diag(np.diag(E)), normal_part=lambda X, G: G - np.diag(np.diag(G)),
              probe=_check_diagonal, directions="diagonal"),
    Structure(name="orthogonal", summary="XᵀX = I", priority=4, orthogonal=True, invertible=True,
              project=_project_orthogonal, projection_identity="X skew(Xᵀ G) = (G − X Gᵀ X)/2", draw=_rotation,
              tangent=lambda E, X: X @ ((E - E.T) / 2),
              normal_part=lambda X, G: X @ ((X.T @ G + (X.T @ G).T) / 2), probe=_check_orthogonal),
    Structure(name="invertible", summary="det X ≠ 0 (check() draws well-conditioned ones)", priority=1,
              invertible=True, draw=_draw_invertible),
)}
PROPERTIES = tuple(STRUCTURES)
# What check() draws for a matrix the expression inverts.
FOR_INVERSES = STRUCTURES["invertible"]
# What a program's name is known to be when its definition is symmetric by construction.
SYMMETRIC_BY_CONSTRUCTION = frozenset({STRUCTURES["symmetric"].name})


def structures_of(symbol: Symbol) -> tuple[Structure, ...]:
    """The records of a symbol's declared properties, the deciding one first."""
    return _records(symbol.properties)


@lru_cache(maxsize=None)
def _records(properties: frozenset[str]) -> tuple[Structure, ...]:
    return tuple(sorted((STRUCTURES[p] for p in properties), key=lambda s: -s.priority))


def governing(symbol: Symbol) -> Structure | None:
    """The structure whose tangent space the derivative lives in — of several,
    the one of highest priority (spd, orthogonal, diagonal, symmetric) — or
    None for an unconstrained symbol (invertible constrains no direction)."""
    for s in structures_of(symbol):
        if s.project is not None:
            return s
    return None


def is_symmetric_symbol(symbol: Symbol) -> bool:
    return bool(symbol.properties) and any(s.symmetric for s in structures_of(symbol))


def is_orthogonal_symbol(symbol: Symbol) -> bool:
    return bool(symbol.properties) and any(s.orthogonal for s in structures_of(symbol))


def kernel_role(node: Node, role: str) -> str:
    """The code kernel applied to a node for a role: the one its declared
    structure enables (the Cholesky inverse of an spd matrix), else the role's own."""
    if isinstance(node, Symbol):
        for s in structures_of(node):
            if role in s.kernels:
                return s.kernels[role]
    return role


def is_positive_definite(node: Node) -> bool:
    """A symbol declared positive definite (it enables Cholesky kernels)."""
    return isinstance(node, Symbol) and any(s.positive_definite for s in structures_of(node))


def probes(symbol: Symbol) -> list[tuple[Callable[..., None], str]]:
    """The argument checks of a symbol's structures, each once, with the
    property each reports (spd and symmetric share one probe)."""
    out: list[tuple[Callable[..., None], str]] = []
    for s in structures_of(symbol):
        if s.probe is not None and all(s.probe is not p for p, _ in out):
            out.append((s.probe, s.name))
    return out


def direction_properties(symbol: Symbol) -> frozenset[str]:
    """What a tangent direction at the symbol is known to be (spd: symmetric)."""
    return frozenset(s.directions for s in structures_of(symbol) if s.directions)
