from mockbsc.cli import main

raise SystemExit(main())
