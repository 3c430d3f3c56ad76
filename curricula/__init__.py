"""rlvr's built-in curricula, registered through the `rlvr.curricula` entry points."""

# Checked by rlvr.registry: another distribution also ships a top-level `curricula` package.
__rlvr_builtin__ = True
