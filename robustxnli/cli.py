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
    "robustxnli.attacks.commands",
    "robustxnli.hans.commands",
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


def _run(argv: list[str] | None) -> None:
    try:
        app(args=argv, standalone_mode=False)
    except UserError as err:
        typer.secho(f"error: {err}", fg=typer.colors.RED, err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.secho("interrupted: finished work is saved; re-run the same command to resume.", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except Exception as err:  # click usage errors come through standalone_mode=False
        import click

        if isinstance(err, click.ClickException):
            err.show()
            sys.exit(err.exit_code)
        raise


if __name__ == "__main__":
    main()
