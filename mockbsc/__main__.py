"""`python -m mockbsc`: the command line."""

from mockbsc.cli import main

raise SystemExit(main())
