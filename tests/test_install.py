"""Installation: an editable install of a clone in a folder named matdiff is
what `import matdiff` finds when Python runs from the folder holding the clone
(the clone's top folder would otherwise shadow it as an empty namespace package)."""
from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_editable_install_is_not_shadowed_by_the_clone_folder(tmp_path):
    clone = tmp_path / "matdiff"
    clone.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, clone / name)
    shutil.copytree(ROOT / "matdiff", clone / "matdiff", ignore=shutil.ignore_patterns("__pycache__"))
    prefix = tmp_path / "prefix"
    # --ignore-installed: leave the matdiff of the environment running the tests alone
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--ignore-installed",
                           "-e", str(clone), "--prefix", str(prefix)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    site = sysconfig.get_path("purelib", vars={"base": str(prefix), "platbase": str(prefix)})
    # -S: only the new installation is on the path, besides the current folder (the clone's parent).
    code = (f"import site; site.addsitedir({site!r}); import matdiff; "
            "print(matdiff.derivative('tr(A X B)', wrt='X'))")
    run = subprocess.run([sys.executable, "-S", "-c", code], cwd=tmp_path, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "Aᵀ Bᵀ"
