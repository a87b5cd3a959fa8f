import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from hypothesis import settings  # noqa: E402

# Property tests draw the same examples on every run (a failure is reproducible;
# CI is never red by chance). Set HYPOTHESIS_PROFILE=explore for fresh draws.
settings.register_profile("default", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(__import__("os").environ.get("HYPOTHESIS_PROFILE", "default"))
