"""NumPy as a code backend: `xp` is numpy imported as np, the kernels are
those of matdiff/kernels.py (which the interpreter shares), SciPy is imported
where a template uses it (the matrix functions). Imports kernels and
printing.spelling.
"""
from __future__ import annotations

from .. import kernels
from .spelling import Spelling, register_spelling

NUMPY = register_spelling(Spelling(
    name="numpy", module="numpy", alias="np",
    kernels={
        "as_array": kernels._as_array, "inverse": kernels._inv, "spd_inverse": kernels._spd_inverse,
        "weighted_gram": kernels._weighted_gram, "permutation": kernels._permutation,
        "commutation": kernels._commutation, "scalar": kernels._scalar, "column": kernels._column,
        "shaped": kernels._shaped,
    },
    optional_imports={"scipy": "import scipy.linalg"},
))
