"""Rows from every source users keep them in: JSONL, parquet, `save_to_disk` folders and
cached hub datasets, veRL's and NeMo-Gym's rows, `columns:` and per-environment system
prompts. Every file is written by the test itself with pyarrow or `datasets`."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path
from typing import Any

import datasets
import datasets.config
import huggingface_hub.constants
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from rlvr import RecordError, UserError, load_records
from rlvr.data_formats import DataSource, data_source, read_rows
from rlvr.environments.math import MathEnvironment
from rlvr.records import apply_columns, normalise
from rlvr.system_prompt import SystemPromptEnvironment, system_prompted, with_system_prompt

GSM8K_ROWS = [
    {"question": "Ann has 3 apples and buys 4 more. How many?", "answer": "3 + 4 = 7\n#### 7"},
    {"question": "What is 10 times 12?", "answer": "10 * 12 = 120\n#### 120"},
    {"question": "Half of 1,000?", "answer": "1,000 / 2 = 500\n#### 500"},
]
VERL_ROW = {
    "data_source": "openai/gsm8k",
    "prompt": [{"role": "user", "content": "What is 2+3? Output the final answer after ####."}],
    "ability": "math",
    "reward_model": {"style": "rule", "ground_truth": "5"},
    "extra_info": {"split": "train", "index": 0, "question": "What is 2+3?"},
}
NEMO_GYM_ROW = {
    "responses_create_params": {
        "input": [{"role": "user", "content": "Put the answer in \\boxed{}.\n\nWhat is 6*7?"}]
    },
    "question": "What is 6*7?",
    "expected_answer": "42",
    "agent_ref": {"name": "math_with_judge_simple_agent"},
}


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[dict[str, Any]]) -> Path:
    pq.write_table(pa.Table.from_pylist(rows), path)
    return path


# -- every source gives the same records -------------------------------------------------------


def test_parquet_and_saved_folder_give_the_records_jsonl_gives(tmp_path: Path) -> None:
    from_jsonl = list(load_records(write_jsonl(tmp_path / "g.jsonl", GSM8K_ROWS)))
    from_parquet = list(load_records(write_parquet(tmp_path / "g.parquet", GSM8K_ROWS)))
    datasets.Dataset.from_list(GSM8K_ROWS).save_to_disk(str(tmp_path / "saved"))
    from_folder = list(load_records(tmp_path / "saved"))
    assert from_jsonl == from_parquet == from_folder
    assert [r["answer"] for r in from_parquet] == ["7", "120", "500"]
    assert len({r["id"] for r in from_parquet}) == 3


def test_saved_dataset_dict_picks_the_split(tmp_path: Path) -> None:
    folder = tmp_path / "dd"
    datasets.DatasetDict(
        {
            "train": datasets.Dataset.from_list(GSM8K_ROWS[:2]),
            "test": datasets.Dataset.from_list(GSM8K_ROWS[2:]),
        }
    ).save_to_disk(str(folder))
    assert [r["answer"] for r in load_records(f"{folder}@test")] == ["500"]
    assert [r["answer"] for r in load_records(folder)] == ["7", "120"]  # train by default
    with pytest.raises(UserError, match=r"no split 'dev'; it holds test, train"):
        list(load_records(f"{folder}@dev"))


def test_saved_dataset_dict_without_train_asks_for_a_split(tmp_path: Path) -> None:
    folder = tmp_path / "dd"
    rows = datasets.Dataset.from_list(GSM8K_ROWS)
    datasets.DatasetDict({"test": rows, "validation": rows}).save_to_disk(str(folder))
    with pytest.raises(UserError, match=r"holds splits test, validation; name one as .*@SPLIT"):
        list(load_records(folder))


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A local datasets cache holding `openai/gsm8k` (config `main`, splits train and test)
    laid out as `datasets.load_dataset` leaves it after a download."""
    from datasets.data_files import DataFilesDict
    from datasets.packaged_modules.parquet.parquet import Parquet

    source = write_parquet(tmp_path / "rows.parquet", GSM8K_ROWS)
    build = tmp_path / "build"
    builder = Parquet(
        cache_dir=str(build),
        dataset_name="gsm8k",
        config_name="main",
        data_files=DataFilesDict.from_patterns({"train": [str(source)], "test": [str(source)]}),
    )
    builder.download_and_prepare()
    cache = tmp_path / "hf-datasets"
    (cache / "openai___gsm8k" / "main" / "0.0.0").mkdir(parents=True)
    shutil.move(builder.cache_dir, cache / "openai___gsm8k" / "main" / "0.0.0" / "0123abcd")
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", cache)
    # and an empty hub cache: what this machine holds must not decide a test
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "no-hub"))
    return cache


def test_cached_hub_dataset_loads_offline(hf_cache: Path) -> None:
    online_before = datasets.config.HF_HUB_OFFLINE
    records = list(load_records("openai/gsm8k:main@test"))
    assert [r["answer"] for r in records] == ["7", "120", "500"]
    assert records == list(load_records("openai/gsm8k"))  # the one config, train split
    assert online_before == datasets.config.HF_HUB_OFFLINE


def test_hub_datasets_never_reach_the_network(
    hf_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Hub that answers every request and records it: offline means none arrives, for a
    # cached dataset and for one that is not (which would otherwise be looked up online).
    import http.server
    import threading

    requests: list[str] = []

    class Hub(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        do_HEAD = do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    endpoint = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setattr(datasets.config, "HF_ENDPOINT", endpoint)
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", endpoint)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", False)
    try:
        assert len(list(load_records("openai/gsm8k:main@test"))) == 3
        with pytest.raises(UserError, match="never downloads"):
            list(load_records("someone/not-cached"))
    finally:
        server.shutdown()
    assert requests == []


def test_uncached_hub_dataset_is_a_clear_error_not_a_download(hf_cache: Path) -> None:
    with pytest.raises(UserError, match=r"in neither the local datasets cache.*never downloads"):
        list(load_records("someone/not-cached"))
    with pytest.raises(UserError, match=r"other.*Available configs in the cache: \['main'\]"):
        list(load_records("openai/gsm8k:other"))


def test_hub_snapshot_in_the_hub_cache_loads_offline(
    hf_cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `hf download --repo-type dataset` leaves a snapshot of the repository's files, with the
    # configs in its README, and nothing in the datasets cache.
    repo = tmp_path / "hub" / "datasets--someone--sums"
    snapshot = repo / "snapshots" / "0123abcd"
    (snapshot / "main").mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    write_parquet(snapshot / "main" / "test-00000-of-00001.parquet", GSM8K_ROWS[:1])
    write_parquet(snapshot / "main" / "train-00000-of-00001.parquet", GSM8K_ROWS[1:])
    (snapshot / "README.md").write_text(
        "---\nconfigs:\n- config_name: main\n  data_files:\n"
        "  - split: train\n    path: main/train-*\n  - split: test\n    path: main/test-*\n---\n"
    )
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    assert [r["answer"] for r in load_records("someone/sums:main@test")] == ["7"]
    assert [r["answer"] for r in load_records("someone/sums:main")] == ["120", "500"]
    with pytest.raises(UserError, match=r"in neither the local datasets cache .* nor the hub"):
        list(load_records("someone/absent"))


def test_a_json_array_file_is_read_as_rows(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(GSM8K_ROWS, indent=2))
    assert [r["answer"] for r in load_records(path)] == ["7", "120", "500"]
    path.write_text(json.dumps([GSM8K_ROWS[0], {"question": "q", "answer": 5}]))
    with pytest.raises(RecordError, match=r"rows\.json, row 2: "):
        list(load_records(path))
    path.write_text("[1, 2")
    with pytest.raises(RecordError, match=r"rows\.json: not valid JSON"):
        list(load_records(path))


def test_missing_path_names_it_and_the_accepted_sources(tmp_path: Path) -> None:
    message = r"nope\.parquet: cannot read: No such file .*save_to_disk"
    with pytest.raises(RecordError, match=message):
        list(load_records(tmp_path / "nope.parquet"))


# -- bad input names file, row and field ------------------------------------------------------


def test_bad_parquet_row_names_file_row_and_field(tmp_path: Path) -> None:
    rows = [{"prompt": "a", "answer": "1"}, {"prompt": None, "answer": "2"}]
    path = write_parquet(tmp_path / "d.parquet", rows)
    with pytest.raises(RecordError) as caught:
        list(load_records(path, env="math"))
    assert str(caught.value) == f"{path}, row 2: field 'prompt': missing"


def test_duplicate_ids_in_parquet_name_both_rows(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "d.parquet", [GSM8K_ROWS[0], GSM8K_ROWS[1], GSM8K_ROWS[0]])
    with pytest.raises(RecordError, match=r"d\.parquet, row 3: field 'id': duplicate .*row 1"):
        list(load_records(path))


def test_not_a_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "d.parquet"
    path.write_text('{"prompt": "p"}\n')
    with pytest.raises(RecordError, match=r"d\.parquet: not a readable parquet file"):
        list(load_records(path))


def test_a_folder_that_is_not_a_saved_dataset(tmp_path: Path) -> None:
    with pytest.raises(RecordError, match=r"not a folder written by `datasets`' save_to_disk"):
        list(load_records(tmp_path))


def test_binary_column_is_named(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "d.parquet", [{"prompt": "p", "blob": b"\x00\x01"}])
    with pytest.raises(RecordError, match=r"d\.parquet, row 1: field 'blob': holds bytes data"):
        list(load_records(path, env="math"))


def test_cli_bad_row_exits_2_naming_file_and_row(tmp_path: Path, run_cli: Any) -> None:
    path = write_parquet(tmp_path / "d.parquet", [{"prompt": "p", "answer": "1"}, {"answer": "2"}])
    result = run_cli("problems", "math", "--data", path)
    assert result.returncode == 2, result.stderr
    assert f"{path}, row 2: field 'prompt': missing" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_problems_from_parquet(tmp_path: Path, run_cli: Any) -> None:
    path = write_parquet(tmp_path / "g.parquet", GSM8K_ROWS)
    result = run_cli("problems", "math", "--data", path, "--split", "train")
    assert result.returncode == 0, result.stderr
    printed = [json.loads(line) for line in result.stdout.splitlines()]
    assert printed  # the held-out tenth, by a hash of each id, leaves the rest here
    assert {r["answer"] for r in printed} <= {"7", "120", "500"}
    assert all(r["env"] == "math" for r in printed)


# -- tabular nulls -----------------------------------------------------------------------------


def test_tabular_nulls_are_dropped_from_objects_jsonl_nulls_are_kept(tmp_path: Path) -> None:
    # Parquet unifies the structs of a column: each kwargs dict gets every key, mostly null.
    rows = [
        {
            "key": 1,
            "prompt": "Write without commas.",
            "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
            "kwargs": [{}, {"relation": "at least", "num_words": 30}],
        }
    ]
    (record,) = load_records(write_parquet(tmp_path / "if.parquet", rows))
    assert record["kwargs"] == [{}, {"relation": "at least", "num_words": 30}]
    (row_no, row), *_ = read_rows(
        write_jsonl(tmp_path / "n.jsonl", [{"a": None, "b": {"c": None}}])
    )
    assert (row_no, row) == (1, {"a": None, "b": {"c": None}})


# -- columns: ---------------------------------------------------------------------------------


def test_columns_map_a_custom_layout(tmp_path: Path) -> None:
    rows = [{"q": "What is 1+1?", "sol": "2", "source": "mine"}]
    path = write_parquet(tmp_path / "c.parquet", rows)
    (record,) = load_records(path, env="math", columns={"q": "prompt", "sol": "answer"})
    assert (record["prompt"], record["answer"], record["env"]) == ("What is 1+1?", "2", "math")
    assert "q" not in record
    assert "sol" not in record
    (same,) = load_records(DataSource(str(path), {"q": "prompt", "sol": "answer"}), env="math")
    assert same == record


def test_columns_reach_into_objects_and_may_swap() -> None:
    row = {"a": "x", "b": "y", "info": {"question": "Q?", "keep": 1}}
    moved = apply_columns(row, {"a": "b", "b": "a", "info.question": "prompt"})
    assert moved == {"a": "y", "b": "x", "info": {"keep": 1}, "prompt": "Q?"}
    assert row["info"] == {"question": "Q?", "keep": 1}  # the source row is left as it was


def test_missing_column_names_file_row_column_and_what_the_row_has(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "c.jsonl", [{"q": "1+1?", "sol": "2"}, {"q": "2+2?"}])
    with pytest.raises(RecordError) as caught:
        list(load_records(path, env="math", columns={"q": "prompt", "sol": "answer"}))
    message = str(caught.value)
    assert message.startswith(f"{path}:2: field 'sol': column missing")
    assert "the row has q" in message


@pytest.mark.parametrize(
    "columns", [{"q": 3}, {"": "prompt"}, ["q"], {"q": "prompt", "p": "prompt"}]
)
def test_bad_columns_mapping_is_a_user_error(columns: Any) -> None:
    with pytest.raises(UserError, match="columns:"):
        data_source("x.parquet", columns)


def test_data_source_is_the_plain_location_without_columns() -> None:
    assert data_source("x.parquet", {}) == "x.parquet"
    assert data_source(None, None) is None
    with pytest.raises(UserError, match="give `data:` too"):
        data_source(None, {"q": "prompt"})
    assert str(data_source("x.parquet", {"q": "prompt"})) == "x.parquet"


# -- veRL and NeMo-Gym rows --------------------------------------------------------------------


def test_verl_parquet_rows_load_as_math_records(tmp_path: Path) -> None:
    other = {**VERL_ROW, "data_source": "my/puzzles", "ability": "logic"}
    other["reward_model"] = {"style": "rule", "ground_truth": "blue"}
    path = write_parquet(tmp_path / "verl.parquet", [VERL_ROW, other])
    first, second = load_records(path, env="puzzles")
    assert first["env"] == "math"
    assert first["answer"] == "5"
    assert first["prompt"] == VERL_ROW["prompt"]
    assert first["meta"]["data_source"] == "openai/gsm8k"
    assert second["env"] == "puzzles"
    assert second["answer"] == "blue"


def test_verl_row_with_columns_uses_the_plain_question(tmp_path: Path) -> None:
    path = write_parquet(tmp_path / "verl.parquet", [VERL_ROW])
    (record,) = load_records(path, columns={"extra_info.question": "prompt"})
    assert (record["prompt"], record["answer"], record["env"]) == ("What is 2+3?", "5", "math")


def test_nemo_gym_rows_load_as_math_and_if_records(tmp_path: Path) -> None:
    if_row = {
        "responses_create_params": {
            "instructions": "You are terse.",
            "input": [
                {"role": "developer", "content": "No commas."},
                {"role": "user", "content": [{"type": "input_text", "text": "Say hi."}]},
            ],
        },
        "instruction_id_list": ["punctuation:no_comma"],
        "kwargs": [{}],
    }
    math, instruct = load_records(write_jsonl(tmp_path / "ng.jsonl", [NEMO_GYM_ROW, if_row]))
    assert math["env"] == "math"
    assert math["answer"] == "42"
    assert math["prompt"] == NEMO_GYM_ROW["responses_create_params"]["input"]
    assert math["meta"]["agent_ref"] == {"name": "math_with_judge_simple_agent"}
    assert instruct["env"] == "if"
    assert instruct["prompt"] == [
        {"role": "system", "content": "You are terse.\n\nNo commas."},
        {"role": "user", "content": "Say hi."},
    ]
    assert instruct["instruction_id_list"] == ["punctuation:no_comma"]


@pytest.mark.parametrize(
    "params",
    [{"no_input": 1}, {"input": [{"role": "user", "content": None}]}, {"input": [{"x": 1}]}],
)
def test_malformed_nemo_gym_row_names_the_format(params: dict[str, Any]) -> None:
    with pytest.raises(RecordError, match=r"malformed nemo-gym row"):
        normalise({"responses_create_params": params, "expected_answer": "1"})


# -- system prompts ----------------------------------------------------------------------------


def test_with_system_prompt_prepends_or_merges() -> None:
    user = [{"role": "user", "content": "hi"}]
    assert with_system_prompt(user, "Be brief.") == [
        {"role": "system", "content": "Be brief."},
        *user,
    ]
    own = [{"role": "system", "content": "Row's own."}, *user]
    assert with_system_prompt(own, "Be brief.") == [
        {"role": "system", "content": "Be brief.\n\nRow's own."},
        *user,
    ]
    assert with_system_prompt(user, None) == user


def test_system_prompted_environment_keeps_problems_and_verifier() -> None:
    plain = MathEnvironment(seed=0, size=8)
    wrapped = system_prompted(MathEnvironment(seed=0, size=8), "Think, then box the answer.")
    assert isinstance(wrapped, SystemPromptEnvironment)
    assert wrapped.problems("train") == plain.problems("train")
    assert wrapped.verifier == plain.verifier
    problem = plain.problems("train")[0]
    assert wrapped.prompt(problem) == [
        {"role": "system", "content": "Think, then box the answer."},
        *plain.prompt(problem),
    ]
    restored = pickle.loads(pickle.dumps(wrapped))
    assert restored.prompt(problem) == wrapped.prompt(problem)
    assert system_prompted(plain, None) is plain
    with pytest.raises(UserError, match="system_prompt: must be text"):
        system_prompted(plain, ["not", "text"])


# -- the verbs that read rows ------------------------------------------------------------------


def test_verify_scores_a_parquet_file(tmp_path: Path, run_cli: Any) -> None:
    rows = [{**GSM8K_ROWS[0], "completion": "3 + 4 = 7, so \\boxed{7}"}]
    rows.append({**GSM8K_ROWS[1], "completion": "\\boxed{121}"})
    path = write_parquet(tmp_path / "scored-in.parquet", rows)
    result = run_cli("verify", "--in", path, "--out", tmp_path / "out.jsonl", "--workers", 1)
    assert result.returncode == 0, result.stderr
    scored = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [r["reward"] for r in scored] == [1.0, 0.0]


def test_eval_data_takes_a_cached_hub_dataset(hf_cache: Path) -> None:
    from rlvr.evaluate import build_tasks

    (task,) = build_tasks(
        None, configs={}, env_seed=0, data=Path("openai/gsm8k:main@test"), limit=None
    )
    assert task.name == "math"
    assert [p["answer"] for p in task.problems] == ["7", "120", "500"]
    assert task.prompts[0][-1]["content"].startswith(GSM8K_ROWS[0]["question"])


def test_code_and_if_environments_take_parquet(tmp_path: Path) -> None:
    from rlvr.environments.code import CodeEnvironment
    from rlvr.environments.instruct import InstructionEnvironment

    humaneval = {
        "task_id": "HumanEval/0",
        "prompt": 'def add(a, b):\n    """Return a + b."""\n',
        "test": "def check(candidate):\n    assert candidate(1, 2) == 3\n",
        "entry_point": "add",
    }
    ifeval = {
        "key": 1,
        "prompt": "Write without commas.",
        "instruction_id_list": ["punctuation:no_comma", "length_constraints:number_words"],
        "kwargs": [{}, {"relation": "at least", "num_words": 30}],
    }
    code = CodeEnvironment(data=write_parquet(tmp_path / "he.parquet", [humaneval]))
    instruct = InstructionEnvironment(data=write_parquet(tmp_path / "if.parquet", [ifeval]))
    assert [p["id"] for p in [*code.problems("train"), *code.problems("heldout")]] == [
        "HumanEval/0"
    ]
    (loaded,) = [*instruct.problems("train"), *instruct.problems("heldout")]
    assert loaded["kwargs"] == ifeval["kwargs"]


def test_a_run_configs_columns_and_system_prompt_reach_every_verb(tmp_path: Path) -> None:
    from rlvr.config import EnvConfig
    from rlvr.evaluate import build_tasks
    from rlvr.resolve import build_environment

    rows = [{"q": f"What is {i} + {i}?", "sol": str(2 * i)} for i in range(40)]
    path = write_parquet(tmp_path / "sums.parquet", rows)
    configs = {
        name: EnvConfig(
            data=str(path),
            columns={"q": "prompt", "sol": "answer"},
            verifier="math",
            system_prompt="Answer in \\boxed{}.",
        )
        for name in ("math", "sums")  # a built-in environment and a dataset environment
    }
    for name, config in configs.items():
        env = build_environment(name, config, seed=0)
        problems = [*env.problems("train"), *env.problems("heldout")]
        assert sorted(int(p["answer"]) for p in problems) == [2 * i for i in range(40)]
        first = env.prompt(problems[0])
        assert first[0] == {"role": "system", "content": "Answer in \\boxed{}."}
        assert first[-1]["content"].startswith(problems[0]["prompt"])
    tasks = build_tasks(["math", "sums"], configs=configs, env_seed=0, data=None, limit=2)
    assert [task.prompts[0][0]["role"] for task in tasks] == ["system", "system"]
