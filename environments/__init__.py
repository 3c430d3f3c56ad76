"""rlvr's built-in environments, registered through the `rlvr.environments` entry points."""
