from ssot_ls.cli import main

raise SystemExit(main())
