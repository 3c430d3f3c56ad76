"""The plugin registry: entry points (built-ins and third-party), local plugin files, errors."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from rlvr import PluginError, Verdict
from rlvr.registry import Registry

WritePlugin = Callable[[str, str], Path]

EXACT = """\
from rlvr import Verdict


class ExactVerifier:
    name = "exact_reg"
    required_fields = ("target",)

    def __init__(self, *, strip=True):
        self.strip = strip

    def verify(self, problem, completion):
        text = completion.strip() if self.strip else completion
        return Verdict(float(text == problem["target"]), {"expected": problem["target"]})


class NotAPlugin:
    '''No `name`: a helper class in the same file is not registered.'''

    def verify(self, problem, completion):
        return None
"""


def _plugin(registry: Registry, kind: str, name: str) -> list:
    return [p for p in registry.plugins(kind) if p.name == name]


# -- built-ins -------------------------------------------------------------------------------


def test_builtins_come_from_rlvr_entry_points() -> None:
    registry = Registry()
    assert "math" in registry.names("verifiers")
    assert "uniform" in registry.names("curricula")
    for kind, name, target in [
        ("verifiers", "math", "rlvr.verifiers.math:MathVerifier"),
        ("curricula", "uniform", "rlvr.curricula.uniform:UniformCurriculum"),
    ]:
        (plugin,) = _plugin(registry, kind, name)
        assert plugin.builtin
        assert plugin.target == target
        assert plugin.entry_point is not None
        assert plugin.entry_point.group == f"rlvr.{kind}"
        assert plugin.source.startswith("rlvr ")
        assert plugin.source.endswith("(built-in)")


def test_builtin_uniform_curriculum_is_created_through_the_registry() -> None:
    from rlvr.curricula.uniform import UniformCurriculum

    registry = Registry()
    problems = [{"id": f"p{i}"} for i in range(5)]
    curriculum = registry.create("curricula", "uniform", problems, seed=3)
    assert isinstance(curriculum, UniformCurriculum)
    assert sorted(curriculum.next_batch(5, 0)) == [f"p{i}" for i in range(5)]


def test_unknown_name_lists_installed_ones() -> None:
    registry = Registry()
    with pytest.raises(PluginError, match=r"unknown verifier 'nope'; installed: .*math") as caught:
        registry.factory("verifiers", "nope")
    assert "rlvr list" in str(caught.value)
    with pytest.raises(PluginError, match=r"unknown curriculum 'nope'; installed: .*uniform"):
        registry.create("curricula", "nope", [], seed=0)


def test_unknown_name_with_nothing_installed_says_none(monkeypatch: pytest.MonkeyPatch) -> None:
    import rlvr.registry

    monkeypatch.setattr(rlvr.registry, "entry_points", lambda group: [])
    with pytest.raises(PluginError, match="installed: none"):
        Registry().factory("environments", "math")


# -- local plugin files ----------------------------------------------------------------------


def test_plugin_file_verifier_is_discovered_and_works(write_plugin: WritePlugin) -> None:
    path = write_plugin("exact_file", EXACT)
    registry = Registry()
    (plugin,) = registry.load_file(path)
    assert (plugin.kind, plugin.name, plugin.builtin) == ("verifiers", "exact_reg", False)
    assert plugin.target == "exact_file.py:ExactVerifier"
    assert plugin.source == f"file {path.resolve()}"
    assert "exact_reg" in registry.names("verifiers")
    assert "NotAPlugin" not in str(registry.plugins())

    verifier = registry.create("verifiers", "exact_reg")
    assert verifier.verify({"target": "42"}, " 42\n") == Verdict(1.0, {"expected": "42"})
    assert verifier.verify({"target": "42"}, "41").reward == 0.0
    strict = registry.create("verifiers", "exact_reg", strip=False)
    assert strict.verify({"target": "42"}, " 42\n").reward == 0.0


def test_loading_the_same_file_twice_registers_once(write_plugin: WritePlugin) -> None:
    path = write_plugin("exact_twice", EXACT)
    registry = Registry()
    first = registry.load_file(path)
    assert registry.load_file(str(path)) is first
    assert registry.plugin_files == [path.resolve()]
    assert len(_plugin(registry, "verifiers", "exact_reg")) == 1


def test_bad_option_is_a_plugin_error(write_plugin: WritePlugin) -> None:
    registry = Registry()
    registry.load_file(write_plugin("exact_opts", EXACT))
    with pytest.raises(PluginError, match=r"verifier 'exact_reg': bad options .*colour"):
        registry.create("verifiers", "exact_reg", colour="red")


def test_file_defining_every_kind(write_plugin: WritePlugin) -> None:
    path = write_plugin(
        "all_kinds",
        """\
        class Checker:
            name = "kinds_checker"
            def verify(self, problem, completion): ...

        class Task:
            name = "kinds_task"
            verifier = "kinds_checker"
            def __init__(self, *, seed): self.seed = seed
            def problems(self, split="train"): return []
            def prompt(self, problem): return []

        class Order:
            name = "kinds_order"
            def __init__(self, problems, *, seed): self.problems = problems
            def next_batch(self, size, step): return []
            def observe(self, outcomes): ...
            def state_dict(self): return {}
            def load_state_dict(self, state): ...
        """,
    )
    registry = Registry()
    kinds = sorted((p.kind, p.name) for p in registry.load_file(path))
    assert kinds == [
        ("curricula", "kinds_order"),
        ("environments", "kinds_task"),
        ("verifiers", "kinds_checker"),
    ]
    assert registry.create("environments", "kinds_task", seed=7).seed == 7


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ("class Broken(:\n    pass\n", r"importing it failed, line 1: SyntaxError"),
        ("import rlvr_no_such_module_anywhere\n", r"importing it failed: ModuleNotFoundError"),
        ("raise RuntimeError('boom at import')\n", r"importing it failed: RuntimeError: boom"),
    ],
)
def test_file_that_fails_to_import_names_the_file(
    write_plugin: WritePlugin, source: str, match: str
) -> None:
    path = write_plugin("broken_import", source)
    with pytest.raises(PluginError, match=match) as caught:
        Registry().load_file(path)
    assert str(path.resolve()) in str(caught.value)
    assert "rlvr_plugin_broken_import" not in sys.modules


def test_file_with_no_plugin_says_what_a_plugin_is(write_plugin: WritePlugin) -> None:
    path = write_plugin(
        "nothing",
        """\
        from rlvr import Verdict  # imported classes are not plugins

        class NoVerify:
            name = "no_verify"

        def verify(problem, completion):
            return Verdict(1.0)
        """,
    )
    with pytest.raises(PluginError, match="defines no plugin") as caught:
        Registry().load_file(path)
    assert str(path.resolve()) in str(caught.value)
    assert "verify(problem, completion)" in str(caught.value)


def test_missing_file_is_a_plugin_error(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="no such file"):
        Registry().load_file(tmp_path / "absent.py")


def test_file_plugin_clashing_with_builtin_is_rejected(write_plugin: WritePlugin) -> None:
    path = write_plugin(
        "clash_math",
        """\
        class MyMath:
            name = "math"
            def verify(self, problem, completion): ...
        """,
    )
    registry = Registry()
    with pytest.raises(PluginError, match=r"name clash: .*a built-in.*rename") as caught:
        registry.load_file(path)
    assert str(path.resolve()) in str(caught.value)
    registered = [p for p in registry.plugins("verifiers") if p.name == "math"]
    builtin = [p for p in registered if p.builtin]
    rejected = [p for p in registered if not p.builtin]
    assert len(builtin) == 1
    assert builtin[0].target == "rlvr.verifiers.math:MathVerifier"
    assert "name clash" not in (builtin[0].error or "")
    assert len(rejected) == 1
    assert "name clash" in (rejected[0].error or "")


def test_builtin_still_works_after_a_clashing_file(write_plugin: WritePlugin) -> None:
    from rlvr.curricula.uniform import UniformCurriculum

    path = write_plugin(
        "clash_uniform",
        """\
        class Uniform:
            name = "uniform"
            def __init__(self, problems, *, seed): ...
            def next_batch(self, size, step): return ["hijacked"]
            def observe(self, outcomes): ...
            def state_dict(self): return {}
            def load_state_dict(self, state): ...
        """,
    )
    registry = Registry()
    with pytest.raises(PluginError, match="name clash"):
        registry.load_file(path)
    curriculum = registry.create("curricula", "uniform", [{"id": "a"}], seed=0)
    assert isinstance(curriculum, UniformCurriculum)
    assert curriculum.next_batch(1, 0) == ["a"]


def test_two_files_with_the_same_name_clash(write_plugin: WritePlugin) -> None:
    source = """\
    class V:
        name = "twin"
        def verify(self, problem, completion): ...
    """
    registry = Registry()
    registry.load_file(write_plugin("twin_a", source))
    with pytest.raises(PluginError, match=r"name clash: .*another plugin"):
        registry.load_file(write_plugin("twin_b", source))
    assert registry.factory("verifiers", "twin").__module__ == "rlvr_plugin_twin_a"


def test_verifier_needing_positional_arguments_is_rejected(write_plugin: WritePlugin) -> None:
    path = write_plugin(
        "positional",
        """\
        class Threshold:
            name = "threshold"
            def __init__(self, cutoff):
                self.cutoff = cutoff
            def verify(self, problem, completion): ...
        """,
    )
    with pytest.raises(PluginError, match=r"cannot be called as Verifier\(\).*give every option"):
        Registry().load_file(path)


def test_unpicklable_verifier_is_rejected_on_create(write_plugin: WritePlugin) -> None:
    path = write_plugin(
        "locked",
        """\
        import threading

        from rlvr import Verdict

        class Locked:
            name = "locked"
            def __init__(self):
                self.lock = threading.Lock()
            def verify(self, problem, completion):
                with self.lock:
                    return Verdict(1.0)
        """,
    )
    registry = Registry()
    registry.load_file(path)  # the class itself is fine
    with pytest.raises(PluginError, match=r"verifier 'locked' does not pickle.*lock"):
        registry.create("verifiers", "locked")


def test_instance_without_verify_is_rejected_on_create(write_plugin: WritePlugin) -> None:
    # The class passes the load-time check, but its factory returns something else.
    path = write_plugin(
        "hollow",
        """\
        class Hollow:
            name = "hollow"
            def __new__(cls):
                return object()
            def verify(self, problem, completion): ...
        """,
    )
    registry = Registry()
    registry.load_file(path)
    with pytest.raises(PluginError, match="verifier 'hollow' has no verify method"):
        registry.create("verifiers", "hollow")


# -- beside other distributions' top-level packages ---------------------------------------


def test_builtins_load_beside_a_foreign_top_level_verifiers_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # PrimeIntellect's `verifiers` (and any `environments` or `curricula`) may be imported in
    # the same process: rlvr's built-ins live under rlvr's own namespace and never see them.
    for name in ("verifiers", "environments", "curricula"):
        foreign = types.ModuleType(name)
        foreign.__file__ = f"/site-packages/{name}/__init__.py"
        monkeypatch.setitem(sys.modules, name, foreign)
    registry = Registry()
    (math,) = _plugin(registry, "verifiers", "math")
    assert math.builtin
    assert math.target == "rlvr.verifiers.math:MathVerifier"
    assert registry.create("verifiers", "math").verify({"answer": "2"}, "\\boxed{2}").reward == 1.0
    assert registry.factory("curricula", "uniform").__name__ == "UniformCurriculum"
    assert registry.factory("environments", "math").__module__ == "rlvr.environments.math"


# -- third-party entry points ----------------------------------------------------------------


def test_third_party_entry_points(monkeypatch: pytest.MonkeyPatch, fake_dist: Path) -> None:
    monkeypatch.syspath_prepend(str(fake_dist))
    registry = Registry()
    by_name = {}
    for plugin in registry.plugins("verifiers"):
        by_name.setdefault(plugin.name, []).append(plugin)

    (good,) = by_name["fake_good"]
    assert good.error is None
    assert not good.builtin
    assert good.source == "fakepkg 1.0"
    verifier = registry.create("verifiers", "fake_good")
    assert verifier.verify({}, "yes") == Verdict(1.0, {"said": "yes"})
    assert verifier.verify({}, "no").reward == 0.0

    (broken,) = by_name["fake_broken"]
    assert "cannot load fakepkg_missing_module:Thing: ModuleNotFoundError" in (broken.error or "")
    assert "fakepkg 1.0" in (broken.error or "")
    with pytest.raises(PluginError, match=r"verifier 'fake_broken'.*cannot be used"):
        registry.create("verifiers", "fake_broken")

    clash = [p for p in by_name["math"] if not p.builtin]
    (builtin_math,) = [p for p in by_name["math"] if p.builtin]
    assert len(clash) == 1
    assert clash[0].source == "fakepkg 1.0"
    assert "name clash" in (clash[0].error or "")
    assert "rename the verifier in fakepkg 1.0" in (clash[0].error or "")
    assert builtin_math.target == "rlvr.verifiers.math:MathVerifier"
    assert "name clash" not in (builtin_math.error or "")


def _write_dist(site: Path, name: str, module: str, source: str, entry_points: str) -> None:
    dist_info = site / f"{name}-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(entry_points)
    (site / f"{module}.py").write_text(source)


LOADING_PROBLEMS = """\
import threading

from rlvr import Verdict

LIMIT = 3


class Fine:
    name = "ep_fine"

    def verify(self, problem, completion):
        return Verdict(1.0)


class Needy(Fine):
    def __init__(self, cutoff):
        self.cutoff = cutoff


class Locked(Fine):
    def __init__(self):
        self.lock = threading.Lock()


class NoVerify:
    name = "ep_no_verify"
"""


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "ep_missing_target",
            "cannot load loadprobs_plugin:NoSuchClass: AttributeError: module 'loadprobs_plugin' "
            "has no attribute 'NoSuchClass'; fix or reinstall loadprobs 1.0",
        ),
        ("ep_missing_module", "ModuleNotFoundError: No module named 'loadprobs_absent'"),
        ("ep_needy", "cannot be called as Verifier() (missing a required argument: 'cutoff')"),
        ("ep_not_callable", "loadprobs_plugin:LIMIT is a int, not a class or factory"),
        ("ep_no_verify", "NoVerify has no verify method"),
        ("ep_locked", "verifier 'ep_locked' does not pickle"),
    ],
)
def test_each_entry_point_loading_problem_names_the_plugin_and_spares_the_others(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, message: str
) -> None:
    site = tmp_path / "site"
    _write_dist(
        site,
        "loadprobs",
        "loadprobs_plugin",
        LOADING_PROBLEMS,
        "[rlvr.verifiers]\n"
        "ep_fine = loadprobs_plugin:Fine\n"
        "ep_missing_target = loadprobs_plugin:NoSuchClass\n"
        "ep_missing_module = loadprobs_absent:Thing\n"
        "ep_needy = loadprobs_plugin:Needy\n"
        "ep_not_callable = loadprobs_plugin:LIMIT\n"
        "ep_no_verify = loadprobs_plugin:NoVerify\n"
        "ep_locked = loadprobs_plugin:Locked\n",
    )
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "loadprobs_plugin", raising=False)
    registry = Registry()
    with pytest.raises(PluginError) as caught:
        registry.create("verifiers", name)
    assert message in str(caught.value)
    assert name in str(caught.value)
    if name != "ep_locked":  # broken on load: `rlvr list` shows it, and where it comes from
        (listed,) = _plugin(registry, "verifiers", name)
        assert listed.source == "loadprobs 1.0"
        assert listed.error
        assert listed.error in str(caught.value)
        assert "from loadprobs 1.0" in str(caught.value)
    assert registry.create("verifiers", "ep_fine").verify({}, "x") == Verdict(1.0)
    assert registry.create("verifiers", "math").name == "math"
    sys.modules.pop("loadprobs_plugin", None)
