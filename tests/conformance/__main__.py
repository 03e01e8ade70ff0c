"""`python -m tests.conformance [--baseline] [--suites a,b] [--run REGEXP]`: see harness.py."""

from tests.conformance.harness import main

raise SystemExit(main())
