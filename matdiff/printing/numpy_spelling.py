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
        "scalar": kernels._scalar, "column": kernels._column,
        "shaped": kernels._shaped,
        "cholesky_factor": kernels._cholesky_factor, "cholesky_solve": kernels._cholesky_solve,
        "cholesky_inverse": kernels._cholesky_inverse, "cholesky_logdet": kernels._cholesky_logdet,
        "lu_factor": kernels._lu_factor, "lu_solve": kernels._lu_solve, "lu_inverse": kernels._lu_inverse,
        "lu_logdet": kernels._lu_logdet,
    },
    optional_imports={"scipy": "import scipy.linalg"},
))
