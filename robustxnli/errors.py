"""Errors meant for the user: the CLI prints them as one plain message and exits non-zero, no traceback."""


class UserError(Exception):
    """Something the user can fix: bad input, unknown choice, unreadable file. The message says what and how."""


class DataError(UserError):
    """A data file is malformed: the message names the file and line."""
