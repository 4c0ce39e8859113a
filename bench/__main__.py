"""`python -m bench` (what `make bench` runs)."""

import sys

from bench.run import main

# The local stack starts its function workers with multiprocessing's spawn, which imports this
# module again in each worker: only the real start runs the benchmark.
if __name__ == "__main__":
    sys.exit(main())
