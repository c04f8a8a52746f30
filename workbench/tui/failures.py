"""Failed background work becomes a visible error, never a silent one."""

from __future__ import annotations

from textual.worker import Worker, WorkerState

from workbench.errors import WorkbenchError


class ShowsWorkerErrors:
    """For the app and every screen that runs workers: Textual reports a worker's state only
    to the node that started it (the message does not bubble), so each of them shows a
    failure itself. A :class:`WorkbenchError` is shown as its one-line message; anything
    else with its type, since it is a bug."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        error = event.worker.error
        if event.state != WorkerState.ERROR or error is None:
            return
        message = (
            str(error) if isinstance(error, WorkbenchError) else f"{type(error).__name__}: {error}"
        )
        event.worker.node.app.notify(
            message, title="Error", severity="error", timeout=10, markup=False
        )
