"""The plugin registry: verifiers, environments and curricula by name.

Plugins come from the entry-point groups `rlvr.verifiers`, `rlvr.environments` and
`rlvr.curricula` — the built-ins register there too, through rlvr's own pyproject, so the
path a third-party package takes is always exercised — or from a local file given with
`--plugin path.py`. Entry points are discovered eagerly (cheap metadata) and imported on first
use, so one broken plugin never stops the others: its error is kept, shown by `rlvr list`,
and raised as a `PluginError` (exit code 2) only when something asks for it by name.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pickle
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from rlvr.errors import PluginError
from rlvr.protocols import KINDS, missing_methods

GROUPS = {kind: f"rlvr.{kind}" for kind in KINDS}
"""Plugin kind -> entry-point group."""

BUILTIN_DISTRIBUTION = "rlvr"

SINGULAR = {"verifiers": "verifier", "environments": "environment", "curricula": "curriculum"}

# How each kind's factory is called (ARCHITECTURE.md): checked against its signature on load.
FACTORY_CALLS: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {
    "verifiers": ((), {}),
    "environments": ((), {"seed": 0}),
    "curricula": (([],), {"seed": 0}),
}
FACTORY_SIGNATURES = {
    "verifiers": "Verifier()",
    "environments": "Environment(*, seed, **options)",
    "curricula": "Curriculum(problems, *, seed, **options)",
}


@dataclass
class Plugin:
    """One registered name: where it comes from and, once loaded, its factory or its error."""

    kind: str
    name: str
    target: str
    source: str
    builtin: bool = False
    entry_point: EntryPoint | None = field(default=None, repr=False)
    factory: Callable[..., Any] | None = field(default=None, repr=False)
    error: str | None = None

    @property
    def label(self) -> str:
        return f"{SINGULAR[self.kind]} {self.name!r} ({self.target}, from {self.source})"


class Registry:
    """Plugins by kind and name; see the module docstring."""

    def __init__(self) -> None:
        self._plugins: dict[str, dict[str, Plugin]] = {kind: {} for kind in KINDS}
        self._rejected: list[Plugin] = []
        self._files: dict[Path, list[Plugin]] = {}
        for kind, group in GROUPS.items():
            for ep in _unique(entry_points(group=group)):
                dist = ep.dist
                dist_name = dist.metadata["Name"] if dist is not None else "unknown package"
                builtin = dist_name == BUILTIN_DISTRIBUTION
                source = f"{dist_name} {dist.version}" if dist is not None else dist_name
                self._add(
                    Plugin(
                        kind,
                        ep.name,
                        ep.value,
                        source + (" (built-in)" * builtin),
                        builtin=builtin,
                        entry_point=ep,
                    )
                )

    # -- registration --------------------------------------------------------------------------

    def _add(self, plugin: Plugin) -> None:
        current = self._plugins[plugin.kind].get(plugin.name)
        if current is None:
            self._plugins[plugin.kind][plugin.name] = plugin
            return
        if plugin.builtin and not current.builtin:
            plugin, current = current, plugin
            self._plugins[plugin.kind][plugin.name] = current
        what = "a built-in" if current.builtin else "another plugin"
        plugin.error = (
            f"name clash: {current.label} already has this name ({what}); "
            f"rename the {SINGULAR[plugin.kind]} in {plugin.source}"
        )
        self._rejected.append(plugin)

    def load_file(self, path: str | Path) -> list[Plugin]:
        """Register the plugins a local Python file defines; see `discover_in_module`."""
        path = Path(path).expanduser().resolve()
        if path in self._files:
            return self._files[path]
        if not path.is_file():
            raise PluginError(f"--plugin {path}: no such file")
        module = import_file(path)
        found = discover_in_module(module)
        if not found:
            raise PluginError(
                f"--plugin {path}: defines no plugin. A verifier is a class with a `name` "
                "attribute and a `verify(problem, completion)` method; an environment has "
                "`name`, `problems` and `prompt`; a curriculum has `name`, `next_batch`, "
                "`observe`, `state_dict` and `load_state_dict`"
            )
        plugins = []
        for kind, obj in found:
            plugin = Plugin(
                kind, obj.name, f"{path.name}:{obj.__qualname__}", f"file {path}", factory=obj
            )
            plugin.error = _contract_error(plugin, obj)
            self._add(plugin)
            if plugin.error:
                raise PluginError(f"--plugin {path}: {plugin.label}: {plugin.error}")
            plugins.append(plugin)
        self._files[path] = plugins
        return plugins

    @property
    def plugin_files(self) -> list[Path]:
        return list(self._files)

    # -- lookup --------------------------------------------------------------------------------

    def names(self, kind: str) -> list[str]:
        return sorted(self._plugins[kind])

    def plugins(self, kind: str | None = None) -> list[Plugin]:
        """Every plugin (loaded, so each shows its error if it has one), rejected ones too."""
        kinds = [kind] if kind else list(KINDS)
        out = []
        for k in kinds:
            for name in self.names(k):
                plugin = self._plugins[k][name]
                self._load(plugin)
                out.append(plugin)
            out.extend(p for p in self._rejected if p.kind == k)
        return out

    def factory(self, kind: str, name: str) -> Callable[..., Any]:
        """The class or factory registered as `name`; a `PluginError` if unknown or broken."""
        plugin = self._plugins[kind].get(name)
        if plugin is None:
            installed = ", ".join(self.names(kind)) or "none"
            raise PluginError(
                f"unknown {SINGULAR[kind]} {name!r}; installed: {installed} "
                "(`rlvr list` shows where each comes from)"
            )
        self._load(plugin)
        if plugin.error or plugin.factory is None:
            raise PluginError(f"{plugin.label} cannot be used: {plugin.error}")
        return plugin.factory

    def create(self, kind: str, name: str, /, *args: Any, **options: Any) -> Any:
        """An instance of plugin `name`; a verifier is also checked to pickle (Ray hosts it)."""
        factory = self.factory(kind, name)
        try:
            instance = factory(*args, **options)
        except TypeError as exc:
            raise PluginError(f"{SINGULAR[kind]} {name!r}: bad options {options}: {exc}") from exc
        missing = missing_methods(kind, instance)
        if missing:
            raise PluginError(f"{SINGULAR[kind]} {name!r} has no {', '.join(missing)} method")
        if kind == "verifiers":
            try:
                pickle.dumps(instance)
            except Exception as exc:
                raise PluginError(
                    f"verifier {name!r} does not pickle ({exc}); worker processes and Ray "
                    "actors must receive a copy: keep locks, open files and lambdas out of its "
                    "attributes, or create them on first use"
                ) from exc
        return instance

    # -- loading -------------------------------------------------------------------------------

    def _load(self, plugin: Plugin) -> None:
        if plugin.factory is not None or plugin.error is not None or plugin.entry_point is None:
            return
        try:
            obj = plugin.entry_point.load()
        except PluginError as exc:
            plugin.error = str(exc)
            return
        except Exception as exc:
            plugin.error = (
                f"cannot load {plugin.target}: {type(exc).__name__}: {exc}; "
                f"fix or reinstall {plugin.source}"
            )
            return
        plugin.error = _contract_error(plugin, obj)
        if plugin.error is None:
            plugin.factory = obj


def _unique(eps: Iterable[EntryPoint]) -> list[EntryPoint]:
    # The same distribution can be visible twice on sys.path (an editable install and a build
    # directory); it is one plugin, not a clash.
    seen, out = set(), []
    for ep in eps:
        key = (ep.name, ep.value, ep.dist.metadata["Name"] if ep.dist else None)
        if key not in seen:
            seen.add(key)
            out.append(ep)
    return out


def _contract_error(plugin: Plugin, obj: Any) -> str | None:
    """Why `obj` cannot serve as a factory of `plugin.kind`, or None."""
    if not callable(obj):
        return f"{plugin.target} is a {type(obj).__name__}, not a class or factory"
    if inspect.isclass(obj):
        missing = missing_methods(plugin.kind, obj)
        if missing:
            return f"{obj.__name__} has no {', '.join(missing)} method"
    args, kwargs = FACTORY_CALLS[plugin.kind]
    try:
        inspect.signature(obj).bind(*args, **kwargs)
    except TypeError as exc:
        return (
            f"it cannot be called as {FACTORY_SIGNATURES[plugin.kind]} ({exc}); "
            "give every option a default"
        )
    except ValueError:
        pass  # no introspectable signature (a builtin): trust it
    return None


def import_file(path: Path) -> Any:
    """Import a plugin file as module `rlvr_plugin_<stem>` (importable again by that name in
    worker processes that load the same file, so its classes pickle by reference)."""
    module_name = f"rlvr_plugin_{path.stem}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise PluginError(f"--plugin {path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[module_name]
        line = ""
        if isinstance(exc, SyntaxError) and exc.lineno:
            line = f", line {exc.lineno}"
        raise PluginError(
            f"--plugin {path}: importing it failed{line}: {type(exc).__name__}: {exc}"
        ) from None
    return module


def discover_in_module(module: Any) -> list[tuple[str, Any]]:
    """(kind, class) for each plugin class a file defines.

    A plugin class is defined in the module itself (imports are not re-registered), has a
    string `name` class attribute, and has the methods of a kind (`rlvr.protocols.KINDS`).
    """
    found = []
    for obj in vars(module).values():
        if not (inspect.isclass(obj) and obj.__module__ == module.__name__):
            continue
        if not isinstance(getattr(obj, "name", None), str):
            continue
        for kind in KINDS:
            if not missing_methods(kind, obj):
                found.append((kind, obj))
                break
    return found


_default: Registry | None = None


def default_registry() -> Registry:
    """The process-wide registry (entry points, plus files loaded with `load_plugin`)."""
    global _default  # noqa: PLW0603 - one registry per process, like sys.modules
    if _default is None:
        _default = Registry()
    return _default


def load_plugin(path: str | Path) -> list[Plugin]:
    """Register a local plugin file in the default registry (`--plugin path.py`)."""
    return default_registry().load_file(path)


def get_verifier(name: str, **options: Any) -> Any:
    return default_registry().create("verifiers", name, **options)


def get_environment(name: str, *, seed: int = 0, **options: Any) -> Any:
    return default_registry().create("environments", name, seed=seed, **options)


def get_curriculum(name: str, problems: Any, *, seed: int = 0, **options: Any) -> Any:
    return default_registry().create("curricula", name, problems, seed=seed, **options)


def names(kind: str) -> list[str]:
    """Registered names of one kind: "verifiers", "environments" or "curricula"."""
    return default_registry().names(kind)
