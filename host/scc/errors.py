"""The one root of scc's expected failures, turned into one-line errors by the CLI."""

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BLOCKED = 3  # documented: the command or plan was refused by policy


class SccError(Exception):
    """An expected failure with a message meant for the user."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PolicyBlocked(SccError):
    """Policy refused what was asked."""

    exit_code = EXIT_BLOCKED
