"""The adjoints of the Kronecker product, which gradients through A ⊗ B are
written in where no closed form applies, and the Khatri–Rao (column-wise
Kronecker) product that eigenvalue Jacobians are written in. With G cut into blocks G_ij of B's
shape, ⟨G, dA ⊗ B⟩ = Σ_ij dA_ij ⟨G_ij, B⟩ and ⟨G, A ⊗ dB⟩ = ⟨Σ_ij A_ij G_ij, dB⟩.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from ..lazy_numpy import np

from ..nodes import Add, Call, Filled, Identity, Kron, Mul, Node, Number, Transpose, scalars_out, substitute
from ..shapes import ONE, Shape, Size
from .forms import no_sympy_form
from .registry import Function, call, register
from .signatures import SizeAlgebra


def _kron_left_adjoint(G, B, shape=None):
    """The cotangent of A in A ⊗ B: entry (i, j) is ⟨block (i, j) of G, B⟩."""
    p, q = B.shape
    m, n = G.shape[0] // p, G.shape[1] // q
    return np.einsum("ikjl,kl->ij", G.reshape(m, p, n, q), B)


def _kron_right_adjoint(G, A, shape=None):
    """The cotangent of B in A ⊗ B: Σ_ij A_ij (block (i, j) of G)."""
    m, n = A.shape
    p, q = G.shape[0] // m, G.shape[1] // n
    return np.einsum("ikjl,ij->kl", G.reshape(m, p, n, q), A)


def _bilinear(node: Call, d: Sequence[Node | None]) -> Node:
    """Both adjoints are bilinear: d f(G, M) = f(dG, M) + f(G, dM)."""
    G, M = node.args
    dG, dM = d
    terms = [call(node.name, dG, M, shape=node.shape)] if dG is not None else []
    if dM is not None:
        terms.append(call(node.name, G, dM, shape=node.shape))
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


# A sum of more Kronecker products stays under one adjoint: split, the gradient of
# ‖Σₖ Aₖ ⊗ X‖ would hold every ⟨Aⱼ, Aₖ⟩, a number of terms quadratic in the sum's.
_MOST_TERMS_SPLIT = 16


def _adjoint_rules(n: Call) -> Node | None:
    """The Kronecker adjoints are linear in G: sums split and scalars come out.
    With G = I and a square other factor M, only diagonal blocks remain:
    Σ_i M_ii I = tr(M) I (Cookbook (106) and (121) read through ⟨I, A ⊗ dX⟩).
    With G = C ⊗ D cut where M sits, Σ_ij A_ij C_ij D = ⟨A, C⟩ D (right) and
    ⟨D, B⟩ C (left); an all-c G has every block c·1: c sum(M) on every entry."""
    G, M = n.args
    right = n.name == "kron_right_adjoint"
    if isinstance(G, Add) and len(G.terms) <= _MOST_TERMS_SPLIT:
        return Add(tuple(call(n.name, t, M, shape=n.shape) for t in G.terms))
    pulled = scalars_out(G)
    if pulled is not None:
        scalars, rest = pulled
        return Mul(tuple(scalars) + (call(n.name, rest, M, shape=n.shape),))
    if isinstance(G, Identity) and M.is_square and n.is_square:
        return Mul((call("tr", M), Identity(n.shape[0])))
    if isinstance(G, Filled):
        return Filled(Mul((G.value, call("sum", M))), n.shape)
    if isinstance(G, Kron):
        cut: Node = G.factors[0] if right else G.factors[-1]
        others: tuple[Node, ...] = G.factors[1:] if right else G.factors[:-1]
        if cut.shape == M.shape:
            other = others[0] if len(others) == 1 else Kron(others)
            if other.shape == n.shape:
                return Mul((call("inner", M, cut), other))
    return None


def _adjoint_shape(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    """G of A ⊗ B's shape and the other factor M: the blocks of G have the
    shape of B (right adjoint, M = A: G's rows m·p) or G has A's block grid
    (left, M = B)."""
    (gr, gc), (mr, mc) = shapes
    r, c = alg.fresh(), alg.fresh()
    right = name == "kron_right_adjoint"
    def message() -> str:
        return f"{name}(G, M) needs G's shape ({alg.describe(0)}) to be a multiple of M's ({alg.describe(1)})"
    for g, m, k in ((gr, mr, r), (gc, mc, c)):
        alg.unify(alg.product(m, k) if right else alg.product(k, m), g, message)
    return (r, c)


def _adjoint(node: Call, i: int, H: Node) -> Node:
    """Both are bilinear: ⟨H, L(G, B)⟩ = ⟨H ⊗ B, G⟩ = ⟨R(G, H), B⟩ and
    ⟨H, R(G, A)⟩ = ⟨A ⊗ H, G⟩ = ⟨L(G, H), A⟩ (L, R the left and right adjoints)."""
    G, M = node.args
    left = node.name == "kron_left_adjoint"
    if i == 0:
        return Kron((H, M)) if left else Kron((M, H))
    return right_adjoint(G, H, M.shape) if left else left_adjoint(G, H, M.shape)


for _fn, _summary in ((_kron_left_adjoint, "kron_left_adjoint(G, B): the gradient of ⟨G, A ⊗ B⟩ in A"),
                      (_kron_right_adjoint, "kron_right_adjoint(G, A): the gradient of ⟨G, A ⊗ B⟩ in B")):
    _name = _fn.__name__.lstrip("_")
    register(Function(
        name=_name, arity=2, shape_rule=_adjoint_shape, summary=_summary, family="matrix",
        identity="⟨G, A ⊗ B⟩ read block by block", source="Cookbook §10.2.1", evaluate=_fn,
        code=f"_{_name}({{0}}, {{1}})",
        latex=rf"\operatorname{{{{{_name.replace('_', '-')}}}}}\left({{0}}, {{1}}\right)",
        differential=_bilinear, linear=True, positive_linear=True, needs_shape=True, helpers=(_fn,),
        adjoint=_adjoint, simplify=_adjoint_rules, sympy=no_sympy_form))


def left_adjoint(G: Node, B: Node, shape: Shape) -> Node:
    """The cotangent of A in A ⊗ B, given the cotangent G of the product."""
    return call("kron_left_adjoint", G, B, shape=shape)


def right_adjoint(G: Node, A: Node, shape: Shape) -> Node:
    """The cotangent of B in A ⊗ B, given the cotangent G of the product."""
    return call("kron_right_adjoint", G, A, shape=shape)


# -- the Khatri–Rao product: column-wise Kronecker, (A ⊙ B)[:, k] = aₖ ⊗ bₖ -----------------------
KHATRI_RAO = "khatri_rao"


def _khatri_rao_shape(alg: SizeAlgebra, name: str, shapes: Sequence[tuple]) -> tuple:
    (r1, c1), (r2, c2) = shapes
    alg.unify(c1, c2, lambda: f"the two arguments of {name} must have as many columns, "
                              f"but {alg.argument(0)} and {alg.argument(1)}")
    return (alg.product(r1, r2), c1)


def _selector(k: Size) -> tuple[Node, Node]:
    """diag(vec(Iₖ)) and 1ₖ ⊗ Iₖ: their product has columns eⱼ ⊗ eⱼ."""
    return call("diag", call("vec", Identity(k))), Kron((Filled(Number(Fraction(1)), (k, ONE)), Identity(k)))


def _khatri_rao(args: tuple[Node, ...], shape: tuple) -> Node:
    """A ⊙ B = (A ⊗ B) diag(vec(Iₖ)) (1ₖ ⊗ Iₖ): of A ⊗ B's columns, those of aⱼ ⊗ bⱼ."""
    A, B = args
    diag_vec, ones = _selector(shape[1])
    return Mul((Kron((A, B)), diag_vec, ones))


register(Function(
    name=KHATRI_RAO, arity=2, shape_rule=_khatri_rao_shape, family="construct", source="linear",
    summary="khatri_rao(A, B): the column-wise Kronecker product, column j is aⱼ ⊗ bⱼ",
    identity="A ⊙ B = (A ⊗ B) diag(vec(I)) (1 ⊗ I)", build=_khatri_rao, latex=r"\left({0} \odot {1}\right)",
    sympy=no_sympy_form))


def khatri_rao_written(node: Node) -> Node:
    """The node with each product (A ⊗ B) diag(vec(Iₖ)) (1ₖ ⊗ Iₖ) written
    khatri_rao(A, B), and (1ₖᵀ ⊗ Iₖ) diag(vec(Iₖ)) (Aᵀ ⊗ Bᵀ) as its
    transpose (the Jacobian of eigenvalues: rows (vⱼ ⊗ vⱼ)ᵀ); for printing."""
    def rewrite(n: Node) -> Node | None:
        if not isinstance(n, Mul) or len(n.factors) < 3:
            return None
        f = list(n.factors)
        for i in range(len(f) - 2):
            run = _run_as_khatri_rao(f[i], f[i + 1], f[i + 2])
            if run is not None:
                rest = f[:i] + [run] + f[i + 3:]
                return rest[0] if len(rest) == 1 else Mul(tuple(khatri_rao_written(g) for g in rest))
        return None
    return substitute(node, rewrite)


def _run_as_khatri_rao(left: Node, middle: Node, right: Node) -> Node | None:
    if not (isinstance(middle, Call) and middle.name == "diag" and isinstance(middle.args[0], Call)
            and middle.args[0].name == "vec" and isinstance(middle.args[0].args[0], Identity)):
        return None
    k = middle.args[0].args[0].n
    column = Kron((Filled(Number(Fraction(1)), (k, ONE)), Identity(k)))
    if right == column and isinstance(left, Kron) and _pair_of_width(left, k, columns=True):
        A, B = left.factors
        return Call(KHATRI_RAO, (A, B), (left.shape[0], k))
    row = Kron((Filled(Number(Fraction(1)), (ONE, k)), Identity(k)))
    if left == row and isinstance(right, Kron) and _pair_of_width(right, k, columns=False):
        At, Bt = (f.arg if isinstance(f, Transpose) else Transpose(f) for f in right.factors)
        return Transpose(Call(KHATRI_RAO, (At, Bt), (right.shape[1], k)))
    return None


def _pair_of_width(node: Kron, k: Size, columns: bool) -> bool:
    """A ⊗ B with k columns each (k rows each: Aᵀ ⊗ Bᵀ), the Kronecker product a Khatri–Rao product selects from."""
    return len(node.factors) == 2 and all(f.shape[1 if columns else 0] == k for f in node.factors)
