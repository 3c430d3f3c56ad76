"""rlvr's built-in curricula, registered through the `rlvr.curricula` entry points."""
