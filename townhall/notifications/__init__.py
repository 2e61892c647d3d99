"""The in-app inbox: one service, ``notification_send``, that every app sends through."""
