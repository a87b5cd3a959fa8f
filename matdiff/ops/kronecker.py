"""The adjoints of the Kronecker product, internal functions that gradients
through A ⊗ B need. With G cut into blocks G_ij of B's shape,
⟨G, dA ⊗ B⟩ = Σ_ij dA_ij ⟨G_ij, B⟩ and ⟨G, A ⊗ dB⟩ = ⟨Σ_ij A_ij G_ij, dB⟩.
"""
from __future__ import annotations

from typing import Sequence

from ..lazy_numpy import np

from ..nodes import Call, Identity, Mul, Node, scalars_out
from ..shapes import Shape
from .registry import Function, call, register
from .signatures import elementwise


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


def _adjoint_rules(n: Call) -> Node | None:
    """The Kronecker adjoints are linear in G: scalars come out. With G = I and a
    square other factor M, only diagonal blocks remain: Σ_i M_ii I = tr(M) I
    (Cookbook (106) and (121) read through ⟨I, A ⊗ dX⟩)."""
    G, M = n.args
    pulled = scalars_out(G)
    if pulled is not None:
        scalars, rest = pulled
        return Mul(tuple(scalars) + (call(n.name, rest, M, shape=n.shape),))
    if isinstance(G, Identity) and M.is_square and n.is_square:
        return Mul((call("tr", M), Identity(n.shape[0])))
    return None


for _fn, _summary in ((_kron_left_adjoint, "the cotangent of A in A ⊗ B (internal)"),
                      (_kron_right_adjoint, "the cotangent of B in A ⊗ B (internal)")):
    _name = _fn.__name__.lstrip("_")
    register(Function(
        name=_name, arity=2, shape_rule=elementwise, summary=_summary, family="matrix",
        identity="⟨G, A ⊗ B⟩ read block by block", source="Cookbook §10.2.1", evaluate=_fn,
        code=f"_{_name}({{0}}, {{1}})",
        latex=rf"\operatorname{{{{{_name.replace('_', '-')}}}}}\left({{0}}, {{1}}\right)",
        differential=_bilinear, linear=True, positive_linear=True, public=False, needs_shape=True, helpers=(_fn,),
        simplify=_adjoint_rules))


def left_adjoint(G: Node, B: Node, shape: Shape) -> Node:
    """The cotangent of A in A ⊗ B, given the cotangent G of the product."""
    return call("kron_left_adjoint", G, B, shape=shape)


def right_adjoint(G: Node, A: Node, shape: Shape) -> Node:
    """The cotangent of B in A ⊗ B, given the cotangent G of the product."""
    return call("kron_right_adjoint", G, A, shape=shape)
