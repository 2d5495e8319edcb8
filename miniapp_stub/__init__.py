"""Stand-ins for the mini-program's outside world: the fake WeChat API server."""
