"""Account-wide operations (region moves, the residency scan, erasure, export, sweeps), run over
the account-data hooks that each app registers (``townhall.accountdata.hooks``)."""
