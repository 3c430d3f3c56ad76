"""Reading completions: the reasoning section, boxed answers. Shared by verifiers and loaders."""

from __future__ import annotations

REASONING_OPEN = "<think>"
REASONING_CLOSE = ("</think>",)


def strip_reasoning(text: str, closers: tuple[str, ...] = REASONING_CLOSE) -> str | None:
    """What follows the reasoning section: the text after the last closer (`</think>`).

    None when a reasoning section was opened and never closed: the model ran out of tokens
    while thinking, so whatever it boxed there was tentative, not its answer.
    """
    best = -1
    for closer in closers:
        index = text.rfind(closer)
        if index >= 0:
            best = max(best, index + len(closer))
    if best >= 0:
        return text[best:]
    if REASONING_OPEN in text:
        return None
    return text


def boxed_contents(text: str, commands: tuple[str, ...] = ("\\boxed", "\\fbox")) -> list[str]:
    """The contents of every `\\boxed{...}` in order, braces balanced; `\\boxed 5` too.

    An unclosed box is not an answer and is left out.
    """
    found: list[tuple[int, str]] = []
    for command in commands:
        start = text.find(command)
        while start >= 0:
            after = start + len(command)
            content, end = _argument(text, after)
            if content is not None:
                found.append((start, content))
            start = text.find(command, max(end, after))
    return [content for _, content in sorted(found)]


def _argument(text: str, position: int) -> tuple[str | None, int]:
    """A TeX macro argument at `position`: a balanced `{...}` group or one bare token."""
    if position < len(text) and text[position].isalpha():
        return None, position  # \boxedfoo is another command
    while position < len(text) and text[position] == " ":
        position += 1
    if position >= len(text):
        return None, position
    if text[position] != "{":
        end = position
        while end < len(text) and not text[end].isspace() and text[end] not in "$\\":
            end += 1
        return (text[position:end] or None), end
    depth = 0
    for i in range(position, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return text[position + 1 : i], i + 1
    return None, len(text)
