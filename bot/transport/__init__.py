"""The Discord front end: a thin layer that posts what the core answers."""
