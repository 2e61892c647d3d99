"""A tests-only app that holds protected data about accounts and plugs into the account-wide
operations by registering its account-data hooks, with no edit anywhere else (installed by
``townhall.settings.test`` only)."""
