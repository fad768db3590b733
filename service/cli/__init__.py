"""The `newsearch` command: a parser (service.cli.parser), one function per command
(service.cli.commands) and the printing (service.cli.output). Every NewsearchError becomes one
line on stderr and a non-zero exit."""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Sequence

from service.cli.commands import COMMANDS, EXIT_ERROR
from service.cli.output import say
from service.cli.parser import build_parser, settings_from
from service.errors import NewsearchError
from service.logs import configure
from service.store.failures import translate

__all__ = ["COMMANDS", "build_parser", "main", "settings_from"]


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure("text")  # the library's messages (a first run's model export) on stderr
    try:
        return int(COMMANDS[args.command](args))
    except NewsearchError as exc:
        say(f"newsearch: error: {exc.message}", err=True)
        return EXIT_ERROR
    except sqlite3.Error as exc:
        error = translate(exc)
        say(f"newsearch: error: {error.message}", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("newsearch: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_ERROR
