"""Every public operation, written once as a flow (a generator of effects)."""
