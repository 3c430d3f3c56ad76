"""Finding the program in a completion.

A completion is judged on what follows its reasoning section. Inside that:

1. Unless the whole text parses as Python (bare code, whose fences are Markdown inside its
   strings): fenced blocks (```` ``` ```` or `~~~`, any length, indented up to 3 spaces, or
   where there is none at any indentation, as inside a list item; the indentation is taken
   off the block's lines; an unclosed last block running to the end)
   tagged with the problem's language (the tag's first word: `python:main.py`, `{python}` and
   `python title="x"` are Python; fence lines are read after NFKC and without invisible
   characters, so fullwidth backticks and a zero-width space after the tag change nothing),
   or untagged when none is tagged; blocks in other languages (shell sessions, sample output)
   are never taken.
2. Of those, the last one that defines the entry point (`def name(`) with a body of its own
   (a repeated stub of the prompt's, docstring or `pass` only, comes last), or for a program read
   from stdin, the last one that looks like a whole program (`main(` in C and C++; input or
   output calls in Python); else the longest.
3. Without fences, the whole text; for Python, if the text does not parse, the longest run of
   lines that does, starting at a line that begins a statement (`def`, `import`, ...), so that
   prose around bare code is dropped. Text that parses nowhere is left as it is: it may be a
   function body continuing the prompt (HumanEval's raw completions), which the verifier
   tries.

Only regular expressions and `ast.parse` (which runs nothing) look at the text here.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from dataclasses import dataclass

from rlvr.text import REASONING_CLOSE, strip_reasoning

LANGUAGE_TAGS = {
    "python": frozenset({"python", "py", "python3", "py3", "pycon", "ipython"}),
    "c": frozenset({"c", "h"}),
    "cpp": frozenset({"cpp", "c++", "cc", "cxx", "hpp", "hxx"}),
}
MAX_PARSE_CHARS = 100_000
"""Longer unfenced text is not searched line by line for a parsable run."""
MAX_TRIMS = 30

_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n`]*$")
_TAG_END = re.compile(r"[:{}.,;(=]")
_FUTURE = re.compile(
    r"^from[ \t]+__future__[ \t]+import[ \t]+(?:\([^)]{0,2000}\)|[^\n]*)[ \t]*\n?", re.MULTILINE
)
_CODE_START = re.compile(r"^(?:def |async def |class |import |from \S+ import |@|if __name__)")
_C_MAIN = re.compile(r"\bmain\s*\(")
_PY_PROGRAM = re.compile(r"\binput\s*\(|\bsys\.stdin\b|\bopen\(\s*0\b|\bprint\s*\(")


@dataclass(frozen=True)
class Block:
    tag: str
    code: str


@dataclass(frozen=True)
class Extraction:
    """The code found (None when there is none) and how it was found, for `info`."""

    code: str | None
    how: str


MAX_FENCE_INDENT = 3
"""A fence at the top level of Markdown is indented at most this much; deeper ones (inside a
list item) are looked for only when there is none."""


def fenced_blocks(text: str, max_indent: int | None = MAX_FENCE_INDENT) -> list[Block]:
    """Every fenced block in order, its fence indented at most `max_indent` (None: any); an
    unclosed last block runs to the end of the text."""
    blocks: list[Block] = []
    fence: str | None = None
    tag = indent = ""
    lines: list[str] = []
    for line in source_lines(text):
        if fence is None:
            opened = _FENCE.match(_fence_line(line))
            if opened and (max_indent is None or len(opened.group(1)) <= max_indent):
                indent, fence, lines = opened.group(1), opened.group(2), []
                tag = _TAG_END.split(opened.group(3).lower().lstrip("{."), maxsplit=1)[0]
            continue
        stripped = _fence_line(line).strip()
        if set(stripped) == {fence[0]} and len(stripped) >= len(fence):  # the closing fence
            blocks.append(Block(tag, "\n".join(lines) + "\n"))
            fence = None
            continue
        lines.append(_dedent(line, indent))
    if fence is not None and lines:
        blocks.append(Block(tag, "\n".join(lines) + "\n"))
    return blocks


_LINE_END = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """`text` split at the line ends Python's own reader knows (LF, CRLF, CR). Not
    `str.splitlines`, which also splits at form feeds, U+2028, U+0085 and `\x1c`-`\x1e`:
    inside a string literal those are characters of the program, and splitting there broke a
    correct answer into a syntax error."""
    lines = _LINE_END.split(text)
    return lines[:-1] if lines and not lines[-1] else lines


def _fence_line(line: str) -> str:
    """A line as a fence is recognised in: NFKC (fullwidth backticks are backticks) without
    invisible format characters (a zero-width space after `python` is no part of the tag).
    Only fences are read so; a block's code is taken as written."""
    if line.isascii():
        return line
    normal = unicodedata.normalize("NFKC", line)
    return "".join(c for c in normal if unicodedata.category(c) != "Cf")


def _dedent(line: str, indent: str) -> str:
    """`line` without the opening fence's indentation, as far as it has it."""
    if not indent:
        return line
    width = len(line) - len(line.lstrip(" \t"))
    return line[min(width, len(indent)) :]


def joined_with_prompt(prompt_code: str, program: str, entry_point: str) -> str:
    """The prompt's code and the completion's as one module (HumanEval's prompt holds the
    imports, helpers and signature): after it a whole definition, or straight on from its
    signature a function body. `from __future__` imports of either lead the module, the only
    place Python accepts them: a correct answer that opens with one is not a syntax error."""
    futures = _FUTURE.findall(prompt_code) + _FUTURE.findall(program)
    prompt_code, program = _FUTURE.sub("", prompt_code), _FUTURE.sub("", program)
    head = "".join(line if line.endswith("\n") else line + "\n" for line in futures)
    if defines(program, entry_point):
        return f"{head}{prompt_code}\n\n{program}"
    return head + prompt_code + program


def defines(code: str, name: str) -> bool:
    """Whether Python `code` defines `name` at top level (a function, class or assignment)."""
    escaped = re.escape(name)
    pattern = rf"^(?:async\s+def|def|class)\s+{escaped}\b|^{escaped}\s*(?::[^=\n]*)?="
    return re.search(pattern, code, re.MULTILINE) is not None


def extract_code(
    completion: str,
    language: str = "python",
    entry_point: str | None = None,
    reasoning_close: tuple[str, ...] = REASONING_CLOSE,
) -> Extraction:
    """The program a completion gives for `language`; see the module docstring."""
    text = strip_reasoning(completion, reasoning_close)
    if text is None:
        return Extraction(None, "the reasoning section was never closed")
    # Text that parses as Python is bare code: a fence in it is Markdown inside a string (a
    # docstring's example), not a block around the program.
    bare_code = language == "python" and len(text) <= MAX_PARSE_CHARS and _parses(text)
    blocks = [] if bare_code else fenced_blocks(text)
    if not blocks and not bare_code:
        blocks = fenced_blocks(text, max_indent=None)  # fences inside list items
    tagged = [b for b in blocks if b.tag in LANGUAGE_TAGS[language]]
    pool = tagged or [b for b in blocks if not b.tag]
    if blocks and not pool:
        tags = ", ".join(sorted({b.tag for b in blocks}))
        return Extraction(None, f"no {language} block (fenced blocks tagged: {tags})")
    if pool:
        kind = "tagged" if tagged else "untagged"
        chosen, why = _choose(pool, language, entry_point)
        position = pool.index(chosen) + 1
        return Extraction(chosen.code, f"{kind} block {position} of {len(pool)} ({why})")
    if not text.strip():
        return Extraction(None, "empty")
    if language == "python" and len(text) <= MAX_PARSE_CHARS and not _parses(text):
        run = _parsable_run(text)
        if run is not None:
            return Extraction(run, "unfenced code amid text")
    if language in ("c", "cpp"):
        include = text.find("#include")
        if include > 0:
            return Extraction(text[include:], "unfenced, from the first #include")
    return Extraction(text, "unfenced text")


def _choose(pool: list[Block], language: str, entry_point: str | None) -> tuple[Block, str]:
    if entry_point and language == "python":
        defining = [b for b in pool if defines(b.code, entry_point)]
        written = [b for b in defining if not _stub_only(b.code, entry_point)]
        if written:
            return written[-1], f"defines {entry_point}"
        if defining:
            return defining[-1], f"defines {entry_point} (a stub)"
    if language in ("c", "cpp"):
        programs = [b for b in pool if _C_MAIN.search(b.code)]
        if programs:
            return programs[-1], "has main()"
    elif entry_point is None:
        programs = [b for b in pool if _PY_PROGRAM.search(b.code)]
        if programs:
            return max(reversed(programs), key=lambda b: len(b.code)), "reads or prints"
    return max(reversed(pool), key=lambda b: len(b.code)), "the longest"


def _stub_only(code: str, entry_point: str) -> bool:
    """Whether every definition of `entry_point` in `code` is a stub (a docstring, `pass`,
    `...`): the prompt's signature repeated after the answer, which is not the answer."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    found = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == entry_point
    ]
    return bool(found) and all(_empty(node.body) for node in found)


def _empty(body: list[ast.stmt]) -> bool:
    return all(
        isinstance(stmt, ast.Pass)
        or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant))
        for stmt in body
    )


def _parses(code: str) -> bool:
    try:
        ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False
    return True


def _parsable_run(text: str) -> str | None:
    """The longest run of lines, starting where a statement does, that parses."""
    lines = source_lines(text)
    starts = [i for i, line in enumerate(lines) if _CODE_START.match(line)]
    if not starts:
        return None
    start = starts[0]
    for end in range(len(lines), max(start, len(lines) - MAX_TRIMS), -1):
        candidate = "\n".join(lines[start:end]).rstrip() + "\n"
        if candidate.strip() and _parses(candidate):
            return candidate
    return None
