"""Run every benchmark module of this package, in name order, each through its ``main()``."""
from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> int:
    """Run the benchmarks named in ``argv`` (default: all); returns the exit status."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    names = argv or sorted(info.name for info in pkgutil.iter_modules([str(Path(__file__).parent)])
                           if not info.name.startswith("_"))
    status = 0
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "main"):
            continue
        print(f"== {name}", flush=True)
        status = max(status, int(module.main() or 0))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
