"""`python -m benchmarks [--quick]`: run the suite and print the figures."""

from benchmarks.run import main

raise SystemExit(main())
