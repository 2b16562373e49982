"""Errors raised by creditlab loaders: each names the file, the item and the problem."""


class CreditlabError(Exception):
    """Base class."""


class RubricError(CreditlabError):
    """A rubric or plan file is malformed."""


class DataError(CreditlabError):
    """Input data is malformed; `problems` lists every problem found."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = list(problems or [message])
        super().__init__(
            message if problems is None else message + "\n" + "\n".join(f"- {p}" for p in self.problems)
        )


class NotebookError(CreditlabError):
    """An error a notebook stops on with its message alone: IPython shows ``_render_traceback_`` instead of a
    traceback (the message is what the analyst needs)."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]

