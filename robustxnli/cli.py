"""The ``robustxnli`` command line: thin. Each room registers its own commands; this module parses and prints.

User mistakes raise :class:`~robustxnli.errors.UserError`; they are printed as one plain message (exit 2),
never as a traceback.
"""

from __future__ import annotations

import importlib
import sys

import typer

from .errors import UserError

app = typer.Typer(
    name="robustxnli",
    help=(
        "Adversarial-robustness evaluation for zero-shot cross-lingual NLI: train (STILTs), evaluate on XNLI, "
        "attack with multilingual recipes, HANS-style challenge sets, reports."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", help="Show the libraries' own warnings and logs "
                                       "(by default, expected ones are replaced by one line saying what they mean).")
          ) -> None:
    from . import quiet

    quiet.install(verbose)


# Each module exposes ``register(app)``. One line per room.
COMMAND_MODULES: list[str] = [
    "robustxnli.training.commands",
    "robustxnli.evaluation.commands",
    "robustxnli.attacking.commands",
    "robustxnli.evaluation.hans_commands",
    "robustxnli.contrast.commands",
    "robustxnli.report.commands",
    "robustxnli.audit.commands",
    "robustxnli.sweep.commands",
    "robustxnli.demo",
]


_registered: list[str] = []


def _register_all() -> None:
    for name in COMMAND_MODULES:
        if name not in _registered:  # main() may be called many times in one process
            importlib.import_module(name).register(app)
            _registered.append(name)


def main(argv: list[str] | None = None) -> None:
    import shlex

    from . import rundir

    _register_all()
    rundir.COMMAND = shlex.join(["robustxnli", *(sys.argv[1:] if argv is None else argv)])
    try:
        _run(argv)
    finally:
        rundir.COMMAND = None  # in-process callers (tests, notebooks) must not inherit it


def _click_exception_types() -> tuple[type, ...]:
    """typer >= 0.29 raises its own vendored click exceptions; older typer raises click's. Catch both."""
    types: list[type] = []
    for mod in ("typer._click.exceptions", "click.exceptions"):
        try:
            types.append(importlib.import_module(mod).ClickException)
        except (ImportError, AttributeError):
            pass
    return tuple(types)


def _abort_types() -> tuple[type, ...]:
    types: list[type] = []
    for mod in ("typer._click.exceptions", "click.exceptions"):
        try:
            types.append(importlib.import_module(mod).Abort)
        except (ImportError, AttributeError):
            pass
    return tuple(types)


def _given_value(err: Exception, args: list[str]) -> str | None:
    """The value the user typed for the option a click error is about (click's messages often omit it)."""
    param = getattr(err, "param", None)
    for opt in getattr(param, "opts", None) or []:
        if not opt.startswith("-"):
            continue
        for i, arg in enumerate(args):
            if arg == opt and i + 1 < len(args):
                return args[i + 1]
            if arg.startswith(opt + "="):
                return arg[len(opt) + 1:]
    return None


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    sys.exit(2)


INTERRUPTED = "interrupted: finished work is saved; re-run the same command to resume."


def _run(argv: list[str] | None) -> None:
    try:
        code = app(args=argv, standalone_mode=False)
    except UserError as err:
        _fail(str(err))
    except KeyboardInterrupt:
        typer.secho(INTERRUPTED, err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except _click_exception_types() as err:  # usage errors: missing/unknown options, bad values, unknown commands
        message = (err.format_message() if hasattr(err, "format_message") else str(err)).strip()
        if not message or type(err).__name__ == "NoArgsIsHelpError":  # the help text was already printed
            sys.exit(getattr(err, "exit_code", 2))
        given = _given_value(err, sys.argv[1:] if argv is None else argv)
        if given is not None and repr(given) not in message:
            message = f"{message.rstrip('.')} (got {given!r})"
        ctx = getattr(err, "ctx", None)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else " (see `robustxnli --help`)"
        _fail(message.replace("\n", " ").strip() + hint)
    except _abort_types():
        typer.secho("aborted.", err=True)
        sys.exit(1)
    except OSError as err:  # a file the user pointed at: missing, a directory, read-only, disk full
        if getattr(err, "filename", None) is None:  # e.g. a hub model that cannot be fetched offline
            first = next((ln.strip() for ln in str(err).splitlines() if ln.strip()), type(err).__name__)
            _fail(f"{first} ({type(err).__name__}); check the model name or path, the network, and the disk")
        what = err.strerror or type(err).__name__
        where = err.filename if err.filename2 is None else f"{err.filename} -> {err.filename2}"
        _fail(f"{where}: {what}; check the path (and that its directory is writable), or choose another one")
    else:
        # typer >= 0.29 turns Ctrl-C into an exit code returned, not raised, when not standalone
        if code == 130:
            typer.secho(INTERRUPTED, err=True)
        if isinstance(code, int) and code:
            sys.exit(code)


if __name__ == "__main__":
    main()
