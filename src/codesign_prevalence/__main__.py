"""``python -m codesign_prevalence ...`` and ``spark-submit .../codesign_prevalence/__main__.py ...``: the CLI.

Run as a file (spark-submit's way), Python puts this file's folder first on ``sys.path``, where the
package's own modules (``config``, ``errors``, ``spark``, ...) would shadow top-level modules of the same
names; that folder is taken off the path before anything else is imported.
"""

from __future__ import annotations

import os
import sys

if not __package__:
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _here]
    _src = os.path.dirname(_here)
    if _src not in sys.path:
        sys.path.append(_src)  # a source checkout without the package installed: import it from src/

from codesign_prevalence.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
