"""The computation plan of generated code. The closed form is written for
people (factored: (A + Aᵀ) x); code is run by machines, so the trees a
function computes are rewritten first, for cost, into trees of equal value:

1. a product is distributed over a sum inside it when that is cheaper
   ((A + Aᵀ) x is A x + Aᵀ x: no n×n temporary; (2I − 2S⁻¹r rᵀ) S⁻¹ is
   2S⁻¹ − 2(S⁻¹r)(rᵀS⁻¹): no n³ product);
2. an inverse that is only applied to something thinner than itself becomes
   a solve (M⁻¹ R is solve(M, R), L M⁻¹ is solve(Mᵀ, Lᵀ)ᵀ), unless the
   function computes the inverse anyway, when multiplying by it is cheaper;
3. the trace of a product is a sum of an element-wise product
   (tr(AB) = sum(A ∘ Bᵀ): n² where the product is n³), split where cheapest;
   and the diagonal of a rank-one product an element-wise product
   (diag(u vᵀ) = u ∘ v);
4. every matrix chain is nested in its cheapest order (Cormen et al.,
   Introduction to Algorithms, §15.2), so that equal partial products of
   different terms are one subtree, which the code generator computes once.

Costs are polynomials in one large size N (every symbolic size is N): a
product of a×b by b×c costs abc, an element-wise operation one per entry
and operand, a factorisation or inverse of an n×n matrix n³.
Inverses, solves and log dets of one matrix share one factorization
(shared_factorizations: Cholesky for a declared spd matrix, else LU).
Imports nodes, shapes, facts, structures, ops and simplify.
"""
from __future__ import annotations

from typing import Sequence

from ..facts import diagonal_vector, is_nonnegative
from ..nodes import (
    Add, Call, Hadamard, Identity, Inverse, MatPower, Mul, Node, Transpose, is_permutation, join_product, product,
    split_product,
)
from ..ops import SOLVE, call, diagonal, entry_sum, function, trace
from ..shapes import Shape, Size
from ..simplify import simplify
from ..structures import is_positive_definite

Cost = dict[int, int]  # degree in N -> coefficient


def degree(size: Size) -> int:
    """A size as a power of N: 1 is N⁰, a symbolic or numeric size N¹, mn N²."""
    return 0 if size.is_one else max(1, len(size.factors))


def _entries(shape: Shape) -> int:
    return degree(shape[0]) + degree(shape[1])


def cheaper(a: Cost, b: Cost) -> bool:
    """a < b: the highest power of N where they differ decides."""
    for d in sorted(set(a) | set(b), reverse=True):
        if a.get(d, 0) != b.get(d, 0):
            return a.get(d, 0) < b.get(d, 0)
    return False


def _add(cost: Cost, d: int, k: int = 1) -> None:
    cost[d] = cost.get(d, 0) + k


def cheapest_order(chain: Sequence[Node]):
    """The matrix-chain order of least cost, as a nested (left, right) tree of
    indices, and its cost. Multiplying by a diag(v) or a permutation is
    linear in the other factor's size. A chain of equally sized square
    factors costs the same in every order: left to right, without the search."""
    k = len(chain)
    dims = [degree(chain[0].shape[0])] + [degree(f.shape[1]) for f in chain]
    cheap = [diagonal_vector(f) is not None or is_permutation(f) for f in chain]  # applied in linear time
    if len(set(dims)) == 1 and not any(cheap):
        tree: object = 0
        for i in range(1, k):
            tree = (tree, i)
        return tree, ({3 * dims[0]: k - 1} if k > 1 else {})
    best: dict[tuple[int, int], tuple[Cost, object]] = {(i, i): ({}, i) for i in range(k)}
    for length in range(2, k + 1):
        for i in range(k - length + 1):
            j = i + length - 1
            choice: tuple[Cost, object] | None = None
            for split in range(i, j):
                (lc, lt), (rc, rt) = best[i, split], best[split + 1, j]
                if (split == i and cheap[i]) or (split + 1 == j and cheap[j]):
                    step = dims[i] + dims[j + 1]          # a broadcast scaling or an indexing
                else:
                    step = dims[i] + dims[split + 1] + dims[j + 1]
                cost = dict(lc)
                for d, c in rc.items():
                    _add(cost, d, c)
                _add(cost, step)
                if choice is None or cheaper(cost, choice[0]):
                    choice = (cost, (lt, rt))
            assert choice is not None
            best[i, j] = choice
    cost, tree = best[0, k - 1]
    return tree, cost


def gram_weights(chain: Sequence[Node]) -> Node | None:
    """w when the chain is Mᵀ diag(w) M with w known nonnegative (a Gram matrix)."""
    if len(chain) != 3 or not (isinstance(chain[0], Transpose) and chain[0].arg == chain[2]):
        return None
    w = diagonal_vector(chain[1])
    return w if w is not None and is_nonnegative(w) else None


def _own_cost(node: Node) -> Cost:
    """The cost of computing a node from its children's values."""
    size = _entries(node.shape)
    if isinstance(node, Mul):
        cost: Cost = {}
        chain = node.chain
        if len(chain) > 1:
            cost = dict(cheapest_order(chain)[1])
        scalars = len(node.factors) - len(chain)
        if scalars:
            _add(cost, size, scalars)
        return cost
    if isinstance(node, (Inverse, MatPower)):
        return {3 * degree(node.shape[0]): 1}
    if isinstance(node, Call):
        if function(node.name).family == "matrix" and node.args[0].shape[0] == node.args[0].shape[1]:
            return {3 * degree(node.args[0].shape[0]): 1}
        cost = {size: 1}
        for a in node.args:
            _add(cost, _entries(a.shape))
        return cost
    if isinstance(node, Transpose) or not node.children:
        return {}  # a view; a leaf
    return {size: len(node.children) + 1}


def _local_cost(nodes: Sequence[Node]) -> Cost:
    """The cost of computing each of the nodes from its children."""
    cost: Cost = {}
    for n in nodes:
        for d, c in _own_cost(n).items():
            _add(cost, d, c)
    return cost


def transposed(chain: Sequence[Node]) -> list[Node]:
    """The factors of (F₁ ⋯ Fₖ)ᵀ = Fₖᵀ ⋯ F₁ᵀ, a transposed leaf's transpose read off."""
    return [f.arg if isinstance(f, Transpose) else Transpose(f) for f in reversed(chain)]


def _without_identities(node: Node) -> Node:
    """A product without identity factors in its chain (2 I S⁻¹ is 2 S⁻¹)."""
    if not isinstance(node, Mul):
        return node
    kept = tuple(f for f in node.factors if not isinstance(f, Identity))
    if len(kept) == len(node.factors) or not any(not f.is_scalar for f in kept):
        return node
    return kept[0] if len(kept) == 1 else Mul(kept)


class Planner:
    """Plans trees for computation; `computed` are the inverses the function
    forms anyway (applying them is then a product, not a solve)."""

    def __init__(self, computed: frozenset[Node] = frozenset()):
        self.computed = computed
        self.memo: dict[Node, Node] = {}

    def __call__(self, node: Node) -> Node:
        hit = self.memo.get(node)
        if hit is None:
            hit = node.with_children(tuple(self(c) for c in node.children)) if node.children else node
            if isinstance(hit, Inverse):
                hit = _inverse_of_fewer_transposes(hit)  # (Mᵀ)⁻¹ = (M⁻¹)ᵀ: one inverse of M, read transposed
            if isinstance(hit, Mul):
                hit = self.product(hit)
            elif isinstance(hit, Call) and len(hit.args) == 1 and hit.is_scalar \
                    and hit.args[0].shape[0] == hit.args[0].shape[1] and hit == trace(hit.args[0]):
                hit = self.trace(hit)
            elif isinstance(hit, Call) and len(hit.args) == 1 and hit.shape[1].is_one \
                    and not hit.args[0].shape[1].is_one and hit.args[0].shape[0] == hit.args[0].shape[1] \
                    and hit == diagonal(hit.args[0]):
                hit = self.diagonal(hit)
            self.memo[node] = hit
        return hit

    def product(self, node: Mul) -> Node:
        distributed = self.distributed(node)
        if distributed is not None:
            return distributed
        coefficient, scalars, chain = split_product(node)
        chain = nested(self.solved(_powers_applied(chain)))
        if len(chain) > 1 and (coefficient != 1 or scalars):  # the matrix product one subtree, scaled
            chain = [Mul(tuple(chain))]
        return join_product(coefficient, scalars, chain)

    def trace(self, node: Call) -> Node:
        """tr(L R) = sum(L ∘ Rᵀ), split where L and R cost least, when that is
        cheaper than the product."""
        coefficient, scalars, chain = split_product(node.args[0])
        if len(chain) < 2 or node.args[0].shape[0].is_one:
            return node
        whole = cheapest_order(chain)[1]
        best: tuple[Cost, int] | None = None
        for k in range(1, len(chain)):
            cost: Cost = {}
            for part in (chain[:k], chain[k:]):
                for d, c in (cheapest_order(part)[1] if len(part) > 1 else {}).items():
                    _add(cost, d, c)
            _add(cost, degree(chain[0].shape[0]) + degree(chain[k - 1].shape[1]), 2)
            if best is None or cheaper(cost, best[0]):
                best = (cost, k)
        assert best is not None
        if not cheaper(best[0], whole):
            return node
        k = best[1]
        left, right = product(*chain[:k]), product(*transposed(chain[k:]))
        return self(join_product(coefficient, scalars, [entry_sum(Hadamard((left, right)))]))

    def diagonal(self, node: Call) -> Node:
        """diag(u vᵀ) = u ∘ v: the diagonal of a rank-one product without the
        n×n matrix (u and v may be products themselves: diag(y xᵀAᵀ) = y ∘ (A x))."""
        coefficient, scalars, chain = split_product(node.args[0])
        for k in range(1, len(chain)):
            if chain[k - 1].shape[1].is_one:  # the chain is (u)(vᵀ) with u = chain[:k]
                u, v = product(*chain[:k]), product(*transposed(chain[k:]))
                return self(join_product(coefficient, scalars, [Hadamard((u, v))]))
        return node

    def distributed(self, node: Mul) -> Node | None:
        """The product distributed over the first sum in its chain, planned,
        when that costs less than computing the sum."""
        coefficient, scalars, chain = split_product(node)
        for i, f in enumerate(chain):
            if isinstance(f, Add):
                scale = _scaled(coefficient, scalars)
                terms = [_without_identities(product(*scale, *chain[:i], t, *chain[i + 1:])) for t in f.terms]
                # the terms of the sum that are products join the new chains, an identity vanishes in them:
                # compare what changes
                absorbed: list[Node] = [t for t in f.terms if isinstance(t, (Mul, Identity))]
                made = [t for t in terms if t not in chain]  # I S⁻¹ is S⁻¹, computed either way
                after, before = _local_cost([*made, Add(tuple(terms))]), _local_cost([node, f, *absorbed])
                # cheaper, or as costly at the highest power of N and without a sum larger than the result
                if cheaper(after, before) or (max(after, default=0) <= max(before, default=0)
                                              and _entries(f.shape) > _entries(node.shape)):
                    return self(Add(tuple(terms)))
                return None
        return None

    def solved(self, chain: list[Node]) -> list[Node]:
        """The chain with each inverse applied to a thinner side as a solve."""
        chain = list(chain)
        i = len(chain) - 1
        while i >= 0:  # right to left: M⁻¹ (N⁻¹ b) nests the solves
            matrix = self.solvable(chain[i])
            if matrix is not None and i + 1 < len(chain) and degree(chain[-1].shape[1]) < degree(matrix.shape[0]):
                chain[i:] = [call(SOLVE, matrix, _product(chain[i + 1:]))]
            i -= 1
        i = 0
        while i < len(chain):  # left to right: (aᵀ M⁻¹) is solve(Mᵀ, a)ᵀ
            matrix = self.solvable(chain[i])
            if matrix is not None and i > 0 and degree(chain[0].shape[0]) < degree(matrix.shape[0]):
                left = _product(transposed(chain[:i]))
                chain[: i + 1] = [Transpose(call(SOLVE, transposed([matrix])[0], left))]
                i = 0
            i += 1
        return chain

    def solvable(self, factor: Node) -> Node | None:
        """M when the factor is M⁻¹ (or (M⁻¹)ᵀ, the inverse of Mᵀ) and the
        function does not form that inverse anyway."""
        transpose = isinstance(factor, Transpose)
        inverse = factor.arg if isinstance(factor, Transpose) else factor
        if not isinstance(inverse, Inverse) or inverse in self.computed:
            return None
        return Transpose(inverse.arg) if transpose else inverse.arg


def _inverse_of_fewer_transposes(node: Inverse) -> Node:
    """M⁻¹ or (N⁻¹)ᵀ for N = Mᵀ, whichever writes fewer transposes ((A0ᵀ + p pᵀ)⁻¹
    is ((A0 + p pᵀ)⁻¹)ᵀ), so that the inverses of a matrix and of its transpose
    are one inverse (or one factorization) in code."""
    if isinstance(node.arg, Transpose):
        return Transpose(Inverse(node.arg.arg))
    if not isinstance(node.arg, Add):
        return node
    other = simplify(Transpose(node.arg))
    if _transposes(other) < _transposes(node.arg):
        return Transpose(Inverse(other))
    return node


def _transposes(node: Node) -> int:
    return sum(isinstance(n, Transpose) for n in distinct_subtrees([node]))


def _powers_applied(chain: list[Node]) -> list[Node]:
    """Aᵏ applied to something thinner than A as k products (A (A x), not A² x:
    no n×n power is formed), up to k = 8."""
    if not any(isinstance(f, MatPower) for f in chain) or \
            degree(chain[0].shape[0]) + degree(chain[-1].shape[1]) >= 2 * max(degree(f.shape[0]) for f in chain):
        return chain
    out: list[Node] = []
    for f in chain:
        if isinstance(f, MatPower) and 0 < f.k <= 8:
            out.extend([f.base] * f.k)
        else:
            out.append(f)
    return out


def _scaled(coefficient, scalars: list[Node]) -> list[Node]:
    return [join_product(coefficient, scalars, [])] if coefficient != 1 or scalars else []


def _product(chain: list[Node]) -> Node:
    """The chain as one node (nested in its cheapest order)."""
    if len(chain) == 1:
        return chain[0]
    return nested(chain)[0] if len(chain) > 2 else Mul(tuple(chain))


def nested(chain: list[Node]) -> list[Node]:
    """A chain of three or more factors as one product nested in its cheapest
    order (equal partial products are then equal subtrees); a Gram matrix
    Mᵀ diag(w) M stays one chain for its kernel."""
    if len(chain) < 3 or gram_weights(chain) is not None:
        return chain
    tree, _ = cheapest_order(chain)

    def build(t) -> Node:
        if isinstance(t, int):
            return chain[t]
        return Mul((build(t[0]), build(t[1])))

    return [build(tree)]


def factored_matrix(node: Node) -> tuple[Node, bool] | None:
    """(M, transposed) when the node is computed from a factorization of M (or
    of Mᵀ): an inverse, a solve, a log det."""
    if isinstance(node, Inverse):
        matrix = node.arg
    elif isinstance(node, Call) and function(node.name).through_factor is not None:
        matrix = node.args[0]
    else:
        return None
    return (matrix.arg, True) if isinstance(matrix, Transpose) else (matrix, False)


def shared_factorizations(trees: Sequence[Node]) -> dict[Node, str]:
    """The matrices that several inverses, solves or log dets of the trees
    factor, each with its factorization: 'cholesky' (declared spd) or 'lu'."""
    uses: dict[Node, int] = {}
    for n in distinct_subtrees(trees):
        found = factored_matrix(n)
        if found is not None:
            uses[found[0]] = uses.get(found[0], 0) + 1
    return {m: "cholesky" if is_positive_definite(m) else "lu" for m, k in uses.items() if k > 1}


def plan(trees: Sequence[Node]) -> list[Node]:
    """The trees of one function planned together: an inverse that some tree
    needs as a matrix is computed once and multiplied by everywhere."""
    first = Planner()
    planned = [first(t) for t in trees]
    computed = frozenset(n for n in distinct_subtrees(planned) if isinstance(n, Inverse))
    if not computed:
        return planned
    second = Planner(computed)
    return [second(t) for t in trees]


def distinct_subtrees(trees: Sequence[Node]) -> list[Node]:
    """Every distinct subtree of the trees."""
    seen: set[Node] = set()
    stack = list(trees)
    while stack:
        n = stack.pop()
        if n not in seen:
            seen.add(n)
            stack.extend(n.children)
    return list(seen)
