"""rlvr's built-in environments, registered through the `rlvr.environments` entry points."""

# Checked by rlvr.registry: another distribution also ships a top-level `environments` package.
__rlvr_builtin__ = True
