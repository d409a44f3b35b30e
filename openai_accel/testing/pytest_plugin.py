"""pytest fixtures for an emulator and clients bound to it (filled in with the clients)."""
