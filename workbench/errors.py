"""The error family for problems a user can fix: the CLI prints the message and exits 1."""


class WorkbenchError(Exception):
    """A problem with the user's input, files or database, explained in one line."""


class SchemeError(WorkbenchError):
    """The label scheme file is invalid, or it drops a label the database still uses."""


class DatabaseError(WorkbenchError):
    """The database cannot be opened, is not a Workbench database, or is of another version."""


class InvariantError(WorkbenchError):
    """A change would break an invariant: a span outside the text or off token boundaries,
    or a label the scheme lacks."""


class NotFoundError(WorkbenchError):
    """A document, annotator, annotation or span that was asked for does not exist."""


class ImportFormatError(WorkbenchError):
    """An input file is unreadable or malformed; the message names the file and line."""


class UndoError(WorkbenchError):
    """There is nothing to undo or redo, or the change no longer matches the current state."""


class FieldError(WorkbenchError):
    """A value given for a field (a keyword argument of the core; on the command line, the
    option of the same name) is wrong. The message begins with the field's name, which the
    CLI replaces with the option's flag."""

    def __init__(self, field: str, message: str) -> None:
        if not message.startswith(field):
            raise ValueError(f"a FieldError message must begin with its field {field!r}")
        super().__init__(message)
        self.field = field
        """The field's name, as the core's keyword arguments spell it (``format``, ``docs``)."""

    def with_flag(self, flag: str) -> str:
        """The message with the field's name replaced by ``flag`` (``--format``)."""
        return flag + str(self)[len(self.field) :]


class FieldNotFoundError(FieldError, NotFoundError):
    """A name given for a field (an annotator, a document, a source) does not exist."""
