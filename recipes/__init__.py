"""Attack recipes: one file per recipe, plus a registry that also finds third-party recipes.

A recipe is a factory ``(RecipeContext) -> textattack.Attack`` with a name, the XNLI languages it supports and a
citation (the shape of TextAttack's ``attack_recipes``). Three ways to provide one:

* a module in this package using the :func:`recipe` decorator (found automatically; files starting with ``_``
  are skipped)::

      @recipe("charnoise", languages="all", citation="Belinkov & Bisk 2018", summary="script-aware typos")
      def charnoise(ctx: RecipeContext) -> "textattack.Attack": ...

* a file anywhere: ``--recipe path/to/file.py:factory``, where ``factory`` is a :class:`Recipe` (made with the
  decorator) or a plain function ``(ctx) -> Attack``; a plain function's name/languages/citation come from its
  attributes (``recipe_name``, ``languages``, ``citation``, ``summary``, ``perturb``) or from ``Languages:`` /
  ``Citation:`` lines of its docstring (languages default to all 15; columns to the hypothesis);
* an installed package declaring an entry point in group ``robustxnli.recipes``
  (``[project.entry-points."robustxnli.recipes"] my-recipe = "my_pkg.recipes:factory"``); the entry point's
  name is the recipe's name unless the object is a :class:`Recipe`.

Recipe modules should import textattack inside the factory, so that ``robustxnli recipes list`` stays fast.
"""

from __future__ import annotations

import contextvars
import hashlib
import importlib
import importlib.util
import inspect
import pkgutil
import re
import sys
import warnings
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable

from robustxnli.attacks.context import PERTURB_CHOICES, RecipeContext
from robustxnli.constants import XNLI_LANGS
from robustxnli.errors import UserError

if TYPE_CHECKING:  # pragma: no cover
    import textattack

ENTRY_POINT_GROUP = "robustxnli.recipes"

__all__ = ["RecipeContext", "Recipe", "recipe", "get_recipe", "builtin_recipe", "list_recipes", "ENTRY_POINT_GROUP",
           "PERTURB_CHOICES"]


@dataclass(frozen=True)
class Recipe:
    name: str
    languages: tuple[str, ...]
    citation: str
    summary: str
    factory: Callable[[RecipeContext], "textattack.Attack"]
    source: str = "built-in"       # "built-in" | file path | "entry point <dist>"
    constraints: str = ""          # what keeps the label, stated in `recipes list` and the run manifest
    options: tuple[str, ...] = ()  # recipe-specific -o KEY=VALUE keys (engine options: attacks.engine.ENGINE_OPTIONS)
    perturb: str = "hypothesis"    # the column(s) it perturbs when --perturb is not given

    def supports(self, lang: str) -> bool:
        return lang in self.languages

    def require_language(self, lang: str) -> None:
        if not self.supports(lang):
            raise UserError(f"recipe {self.name!r} does not support language {lang!r}; it supports: "
                            f"{', '.join(self.languages)}")

    def build(self, ctx: RecipeContext) -> "textattack.Attack":
        self.require_language(ctx.lang)
        return self.factory(ctx)

    __call__ = build


# name -> Recipe, filled by @recipe as built-in modules are imported
_REGISTRY: dict[str, Recipe] = {}
# while a plug-in file is loaded, @recipe collects into this list instead of the global registry
_CAPTURE: contextvars.ContextVar[list[Recipe] | None] = contextvars.ContextVar("_CAPTURE", default=None)
_BUILTINS_LOADED = False
_BUILTIN_FAILURES: dict[str, str] = {}


def _normalise_languages(languages: str | Iterable[str] | None, where: str) -> tuple[str, ...]:
    if languages is None or languages == "all":
        return XNLI_LANGS
    items = re.split(r"[,\s]+", languages) if isinstance(languages, str) else list(languages)
    langs = tuple(dict.fromkeys(str(x).strip().lower() for x in items if str(x).strip()))
    if "all" in langs:
        return XNLI_LANGS
    unknown = [x for x in langs if x not in XNLI_LANGS]
    if unknown or not langs:
        raise UserError(f"{where}: unknown language code(s) {unknown or '(none given)'}; "
                        f"use XNLI codes ({', '.join(XNLI_LANGS)}) or 'all'")
    return langs


def recipe(name: str, *, languages: str | Iterable[str], citation: str, summary: str, constraints: str = "",
           options: Iterable[str] = (), perturb: str = "hypothesis"
           ) -> Callable[[Callable[[RecipeContext], Any]], Recipe]:
    """Decorator: turn a factory into a registered :class:`Recipe` (``languages`` may be ``"all"``);
    ``constraints`` says what keeps the label, ``options`` lists the recipe's own ``-o`` keys, ``perturb`` the
    column(s) it attacks unless the user picks (hypothesis, premise or both)."""
    if perturb not in PERTURB_CHOICES:
        raise ValueError(f"recipe {name!r}: perturb must be one of {', '.join(PERTURB_CHOICES)} (got {perturb!r})")

    def wrap(factory: Callable[[RecipeContext], Any]) -> Recipe:
        module = getattr(factory, "__module__", "") or ""
        source = "built-in" if module.startswith(__name__ + ".") else module
        rec = Recipe(name, _normalise_languages(languages, f"recipe {name!r}"), citation, summary, factory, source,
                     constraints, tuple(options), perturb)
        captured = _CAPTURE.get()
        if captured is not None:
            captured.append(rec)
            return rec
        old = _REGISTRY.get(name)
        if old is not None and _qualname(old.factory) != _qualname(factory):
            raise RuntimeError(f"recipe name {name!r} registered twice ({_qualname(old.factory)} and "
                               f"{_qualname(factory)})")
        _REGISTRY[name] = rec
        return rec

    return wrap


def _qualname(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


# discovery ------------------------------------------------------------------------------------------------------
def _load_builtins() -> None:
    """Import every module of this package once (their @recipe decorators fill the registry)."""
    global _BUILTINS_LOADED
    if _BUILTINS_LOADED:
        return
    _BUILTINS_LOADED = True
    from robustxnli.offline import prepare

    prepare()  # recipe modules may import textattack
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        try:
            importlib.import_module(f"{__name__}.{info.name}")
        except Exception as err:  # one broken recipe file must not take the others down
            _BUILTIN_FAILURES[info.name] = f"{type(err).__name__}: {err}"
            warnings.warn(f"recipe module {info.name!r} failed to import: {err}", RuntimeWarning, stacklevel=2)


def _entry_points() -> list[Any]:
    from importlib.metadata import entry_points

    return list(entry_points(group=ENTRY_POINT_GROUP))


def _from_entry_point(ep: Any) -> Recipe:
    dist = getattr(getattr(ep, "dist", None), "name", None) or ep.value
    token = _CAPTURE.set([])  # a decorated third-party recipe must not enter the built-in registry
    try:
        obj = ep.load()
    except Exception as err:
        raise UserError(f"entry point {ep.name!r} ({ep.value}) of group {ENTRY_POINT_GROUP} failed to load: "
                        f"{type(err).__name__}: {err}") from err
    finally:
        _CAPTURE.reset(token)
    return _as_recipe(obj, default_name=ep.name, source=f"entry point {dist}")


def _doc_field(doc: str, key: str) -> str | None:
    m = re.search(rf"^\s*{key}\s*:\s*(.+?)\s*$", doc, flags=re.IGNORECASE | re.MULTILINE)
    return m.group(1) if m else None


def _as_recipe(obj: Any, default_name: str, source: str) -> Recipe:
    """A Recipe as is; a plain factory function wrapped with metadata from its attributes or docstring."""
    if isinstance(obj, Recipe):
        return obj if obj.source == "built-in" else replace(obj, source=source)
    if not callable(obj):
        raise UserError(f"{source}: {default_name!r} is neither a Recipe nor a callable factory (got "
                        f"{type(obj).__name__})")
    doc = inspect.getdoc(obj) or ""
    name = getattr(obj, "recipe_name", None) or default_name
    languages = getattr(obj, "languages", None) or _doc_field(doc, "languages") or "all"
    citation = getattr(obj, "citation", None) or _doc_field(doc, "citation") or "(no citation given)"
    first_line = next((ln.strip() for ln in doc.splitlines() if ln.strip()), "")
    summary = getattr(obj, "summary", None) or first_line or "(third-party recipe)"
    perturb = str(getattr(obj, "perturb", None) or "hypothesis")
    if perturb not in PERTURB_CHOICES:
        raise UserError(f"{source}: recipe {name!r} has perturb={perturb!r}; use one of {', '.join(PERTURB_CHOICES)}")
    return Recipe(str(name), _normalise_languages(languages, f"{source}: recipe {name!r}"), str(citation),
                  str(summary), obj, source, perturb=perturb)


def _load_file_plugin(spec: str) -> Recipe:
    file_part, _, attr = spec.rpartition(":")
    path = Path(file_part).expanduser()
    if not path.is_file():
        raise UserError(f"recipe file {file_part!r} does not exist (expected path/to/file.py:factory)")
    if not attr.isidentifier():
        raise UserError(f"recipe spec {spec!r}: {attr!r} is not a Python name (expected path/to/file.py:factory)")
    resolved = path.resolve()
    mod_name = "robustxnli_plugin_" + hashlib.sha1(str(resolved).encode()).hexdigest()[:12]
    captured: list[Recipe] = []
    token = _CAPTURE.set(captured)
    try:
        module_spec = importlib.util.spec_from_file_location(mod_name, resolved)
        if module_spec is None or module_spec.loader is None:
            raise UserError(f"cannot import recipe file {resolved} (is it a .py file?)")
        module = importlib.util.module_from_spec(module_spec)
        sys.modules[mod_name] = module  # dataclasses/pickling inside the plug-in need the module registered
        from robustxnli.offline import prepare

        prepare()
        try:
            module_spec.loader.exec_module(module)
        except UserError:
            raise
        except Exception as err:
            sys.modules.pop(mod_name, None)
            raise UserError(f"recipe file {resolved} failed to import: {type(err).__name__}: {err}") from err
    finally:
        _CAPTURE.reset(token)
    if not hasattr(module, attr):
        found = [r.name for r in captured] + [n for n, v in vars(module).items()
                                              if isinstance(v, Recipe) and n not in {r.name for r in captured}]
        raise UserError(f"recipe file {resolved} has no attribute {attr!r}"
                        + (f"; it defines: {', '.join(dict.fromkeys(found))}" if found else ""))
    return _as_recipe(getattr(module, attr), default_name=attr, source=str(resolved))


def _load_module_plugin(spec: str) -> Recipe | None:
    """``package.module:factory`` for an importable module; None when the module is not importable."""
    mod_name, _, attr = spec.rpartition(":")
    if not re.fullmatch(r"[A-Za-z_][\w.]*", mod_name) or not attr.isidentifier():
        return None
    if importlib.util.find_spec(mod_name.split(".")[0]) is None:
        return None
    token = _CAPTURE.set([])
    try:
        module = importlib.import_module(mod_name)
    finally:
        _CAPTURE.reset(token)
    if not hasattr(module, attr):
        raise UserError(f"module {mod_name} has no attribute {attr!r}")
    return _as_recipe(getattr(module, attr), default_name=attr, source=mod_name)


def list_recipes() -> list[Recipe]:
    """Built-ins (modules of this package) then entry-point recipes, sorted by name within each group."""
    _load_builtins()
    out = sorted(_REGISTRY.values(), key=lambda r: r.name)
    seen = {r.name for r in out}
    for ep in sorted(_entry_points(), key=lambda e: e.name):
        if ep.name in seen:
            continue
        try:
            rec = _from_entry_point(ep)
        except UserError as err:
            warnings.warn(str(err), RuntimeWarning, stacklevel=2)
            continue
        seen.add(rec.name)
        out.append(rec)
    return out


def builtin_recipe(name: str) -> Recipe | None:
    """The built-in recipe registered as ``name``, or None (plug-ins are not loaded)."""
    _load_builtins()
    rec = _REGISTRY.get(str(name).strip())
    return rec if rec is not None and rec.source == "built-in" else None


def get_recipe(spec: str) -> Recipe:
    """``name`` (built-in or entry point) | ``path/to/file.py:factory`` | ``package.module:factory``."""
    spec = str(spec).strip()
    if not spec:
        raise UserError("empty recipe name; see `robustxnli recipes list`")
    _load_builtins()
    if spec in _REGISTRY:
        return _REGISTRY[spec]
    for ep in _entry_points():
        if ep.name == spec:
            return _from_entry_point(ep)
    if ":" in spec and not spec.startswith("textattack:"):
        file_part = spec.rpartition(":")[0]
        if file_part.endswith(".py") or "/" in file_part or "\\" in file_part or Path(file_part).exists():
            return _load_file_plugin(spec)
        rec = _load_module_plugin(spec)
        if rec is not None:
            return rec
    choices = ", ".join(r.name for r in list_recipes()) or "(none installed)"
    broken = (f" (recipe modules that failed to import: "
              f"{'; '.join(f'{k}: {v}' for k, v in _BUILTIN_FAILURES.items())})" if _BUILTIN_FAILURES else "")
    raise UserError(f"unknown recipe {spec!r}; choose from: {choices}, or give path/to/file.py:factory{broken}")
