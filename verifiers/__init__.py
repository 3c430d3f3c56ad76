"""rlvr's built-in verifiers, registered through the `rlvr.verifiers` entry points."""

# Checked by rlvr.registry: another distribution also ships a top-level `verifiers` package.
__rlvr_builtin__ = True
