"""A verifier plugin that misbehaves on command, for the engine's backends' tests
(tests/rlvr/test_engine.py: local workers; tests/rlvr/test_pool.py: Ray actors)."""

FAULTS = """\
import os
import re
import signal
import threading
import time
from pathlib import Path

from rlvr import Verdict


class Faults:
    '''Reward 1 when the completion ends with the row's `target`. Completions starting with a
    command misbehave first: `sleep:S:`, `hang:` (a regex that backtracks for ages: one C call
    holding the GIL), `raise:`, `die:` (its process killed), `die-once:` (killed the first time
    only, marked by the file `marker`), `kill-actor:` (its actor's process killed), `lock:` (a
    verdict whose info cannot be sent back).'''

    name = "faults"

    def verify(self, problem, completion):
        command = completion.split(":")[0]
        if command == "sleep":
            time.sleep(float(completion.split(":")[1]))
        elif command == "hang":
            re.match(r"(a+)+$", "a" * 64 + "b")
        elif command == "raise":
            raise RuntimeError("a bug in the checker")
        elif command == "die":
            os.kill(os.getpid(), signal.SIGKILL)
        elif command == "die-once":
            marker = Path(problem["marker"])
            if not marker.exists():
                marker.touch()
                os.kill(os.getpid(), signal.SIGKILL)
        elif command == "kill-actor":
            os.kill(os.getppid(), signal.SIGKILL)
        elif command == "lock":
            return Verdict(1.0, {"lock": threading.Lock()})
        reward = float(completion.endswith(problem["target"]))
        return Verdict(reward, {"pid": os.getpid(), "actor_pid": os.getppid()})
"""
