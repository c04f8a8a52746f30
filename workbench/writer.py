"""Database changes off the UI thread, one at a time and in the order the keys were pressed."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class OrderedWriter:
    """A single background thread for store calls: two quick key presses can never be
    applied out of order, and the UI thread never waits on the database."""

    def __init__(self, name: str = "workbench-writer") -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)

    def submit(
        self,
        job: Callable[[], T],
        on_done: Callable[[T], object],
        on_error: Callable[[BaseException], object],
    ) -> Future[T]:
        """Run ``job`` after every earlier one; then ``on_done(result)`` or ``on_error(exc)``
        (both called on the writer thread: callers hop back with ``call_from_thread``)."""

        def run() -> T:
            try:
                result = job()
            except BaseException as exc:
                on_error(exc)
                raise
            on_done(result)
            return result

        return self._executor.submit(run)

    def drain(self) -> None:
        """Wait for every submitted change (used before the screen or the app goes away)."""
        self._executor.submit(lambda: None).result()

    def close(self) -> None:
        """Finish what was submitted and stop the thread."""
        self._executor.shutdown(wait=True)
