"""The sans-I/O core: every decision, no sockets, no sleeping, no threads, no event loop."""
