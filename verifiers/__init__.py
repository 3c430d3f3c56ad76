"""rlvr's built-in verifiers, registered through the `rlvr.verifiers` entry points."""
