"""Errors that are the user's to fix.

Anything raised as a `UserError` reaches the terminal as one line on stderr and exit code 2,
with no traceback: the message must say what is wrong, where, and what to do. Every other
exception is a bug (ours or a plugin's) and keeps its traceback, exit code 1.
"""

from __future__ import annotations

from pathlib import Path


class UserError(Exception):
    """Bad input or usage: a file, a flag, a config field, a plugin that breaks the contract."""

    exit_code = 2


class RecordError(UserError):
    """A problem record (one JSONL line) that cannot be used, located by file, line and field."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.path = str(path) if path is not None else None
        self.line = line
        self.field = field
        self.reason = message
        where = ":".join(str(p) for p in (self.path, self.line) if p is not None)
        what = f"field {field!r}: " if field else ""
        super().__init__(f"{where}: {what}{message}" if where else f"{what}{message}")

    def at(self, path: str | Path, line: int) -> RecordError:
        """The same error, located in a file."""
        return RecordError(self.reason, path=path, line=line, field=self.field)


class PluginError(UserError):
    """A plugin that cannot be loaded or breaks the contract; names the plugin and the fix."""
