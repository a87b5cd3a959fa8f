"""What is known of a tree by construction — symmetric, orthogonal,
nonnegative, a diagonal matrix diag(v) — from the structures its symbols are
declared with and the facts of the functions it calls. Cheap, sufficient
tests: False means "not known", never "known not to be". Imports nodes, ops
and structures.
"""
from __future__ import annotations

from .nodes import (
    Add, Call, Differential, Filled, Hadamard, Identity, Inverse, MatPower, Mul, Node, Number, Power, Symbol,
    Transpose, split_product,
)
from .ops import function
from .structures import SYMMETRIC_BY_CONSTRUCTION, is_orthogonal_symbol, is_symmetric_symbol


def is_symmetric(node: Node) -> bool:
    """Declared symmetric, the identity, a scalar, a function that makes or
    keeps symmetry (diag(x), sym, expm of a symmetric matrix, entry-wise
    functions of one), an inverse or power of a symmetric matrix, a sum of
    symmetric terms or of terms paired with their transposes (A + Aᵀ), a
    palindromic chain M S Mᵀ; a program's name made symmetric (name_properties)."""
    if isinstance(node, Symbol):
        return is_symmetric_symbol(node)
    if isinstance(node, Differential):  # directions stay in the declared set
        return is_symmetric(node.var)
    if isinstance(node, Identity) or node.is_scalar:
        return True
    if isinstance(node, Call):
        fn = function(node.name)
        if fn.symmetric_result is not None and fn.symmetric_result(node):
            return True
        return fn.preserves_symmetry and all(is_symmetric(a) for a in node.args)
    if isinstance(node, (Inverse, MatPower)):
        return is_symmetric(node.children[0])
    if isinstance(node, Add):
        return _symmetric_sum(node.terms)
    if isinstance(node, Hadamard):
        return all(is_symmetric(t) for t in node.children)
    if isinstance(node, Power):
        return is_symmetric(node.base)
    if isinstance(node, Filled):
        return node.is_square
    if isinstance(node, Mul):
        chain = node.chain
        k = len(chain)
        return k > 0 and all(_mirror(chain[i], chain[k - 1 - i]) for i in range(k // 2)) and (
            k % 2 == 0 or is_symmetric(chain[k // 2]))
    return False


def name_properties(value: Node) -> frozenset[str]:
    """What a program's name defined as `value` is known to be (its symmetry,
    decided once, when the name is made: no pass follows a chain of names)."""
    square = value.shape[0] == value.shape[1] and not value.is_scalar
    return SYMMETRIC_BY_CONSTRUCTION if square and is_symmetric(value) else frozenset()


# Beyond this many unpaired terms a sum is not searched for transpose pairs.
MAX_PAIRED_TERMS = 32


def _symmetric_sum(terms: tuple[Node, ...]) -> bool:
    """Every term symmetric, or paired with its transpose (c M + c Mᵀ)."""
    rest = [t for t in terms if not is_symmetric(t)]
    if len(rest) > MAX_PAIRED_TERMS:
        return False
    while rest:
        a = rest.pop()
        partner = next((i for i, b in enumerate(rest) if _mirror_terms(a, b)), None)
        if partner is None:
            return False
        del rest[partner]
    return True


def _mirror_terms(a: Node, b: Node) -> bool:
    """b = aᵀ for terms c·M₁⋯Mₖ: the same coefficient and scalars, the chain
    reversed and transposed factor by factor ((M₁⋯Mₖ)ᵀ = Mₖᵀ⋯M₁ᵀ)."""
    ca, sa, chain_a = split_product(a)
    cb, sb, chain_b = split_product(b)
    return (ca == cb and sa == sb and len(chain_a) == len(chain_b) > 0
            and all(_mirror(x, y) for x, y in zip(chain_a, reversed(chain_b))))


def _mirror(a: Node, b: Node) -> bool:
    """b = aᵀ, structurally."""
    if a == b and is_symmetric(a):
        return True
    return (isinstance(b, Transpose) and b.arg == a) or (isinstance(a, Transpose) and a.arg == b)


def is_orthogonal(node: Node) -> bool:
    """Declared orthogonal, or a function whose value is (the eigenvectors)."""
    if isinstance(node, Symbol):
        return is_orthogonal_symbol(node)
    return isinstance(node, Call) and function(node.name).orthogonal_result


def is_nonnegative(node: Node) -> bool:
    """Every entry ≥ 0: even powers, nonnegative functions (exp, σ, |u|,
    norms), and sums and entry-wise or scalar products of such."""
    if isinstance(node, Number):
        return node.value >= 0
    if isinstance(node, Power):
        e = node.exponent
        return (isinstance(e, Number) and e.value.denominator == 1 and e.value.numerator % 2 == 0) or (
            is_nonnegative(node.base))
    if isinstance(node, Call):
        return function(node.name).nonnegative
    if isinstance(node, Filled):
        return is_nonnegative(node.value)
    if isinstance(node, (Hadamard, Add)) or (isinstance(node, Mul) and all(f.is_scalar for f in node.factors)):
        return all(is_nonnegative(c) for c in node.children)
    return False


def diagonal_vector(node: Node) -> Node | None:
    """v when the node is the diagonal matrix diag(v) (applied as a broadcast)."""
    if isinstance(node, Call):
        hook = function(node.name).diagonal_of
        return hook(node) if hook is not None else None
    return None
