from mediamill.cli import main

raise SystemExit(main())
