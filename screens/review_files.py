"""The review's file work, as a widget without a face: the dataset's import (or its resumption)
and the export of its accepted examples, each in a thread on a connection of its own. It tells
the review by messages."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from textual import work
from textual.message import Message
from textual.widget import Widget
from textual.worker import get_current_worker

from screens.prompt import PromptScreen
from tuiapp.data.formats.outward import format_for_path
from tuiapp.redact import redact
from tuiapp.services.export import export_accepted
from tuiapp.services.importer import ImportProgress, run_import
from tuiapp.store.datasets import finish_import, get_dataset, record_failure
from tuiapp.workspace import workspace_of

FIRST_PAINT_PAUSE = 0.25  # seconds the import waits after its first batch


class DatasetFiles(Widget):
    """Import into and export out of one dataset, off the event loop."""

    DEFAULT_CSS = "DatasetFiles { display: none; }"

    @dataclass
    class ImportProgressed(Message):
        """The import committed another batch."""

        progress: ImportProgress

    class ImportFailed(Message):
        """The import stopped on an error (stored on the dataset)."""

    def __init__(self, dataset_id: int) -> None:
        super().__init__()
        self.dataset_id = dataset_id

    @work(thread=True, exclusive=True, group="import")
    def import_examples(self) -> None:
        """Import (or resume) the file on a connection of its own."""
        worker = get_current_worker()
        store = workspace_of(self.app).store.reopen()
        try:
            for i, progress in enumerate(
                run_import(store, self.dataset_id, lambda: worker.is_cancelled)
            ):
                self.post_message(self.ImportProgressed(progress))
                if i == 0:  # give the GIL to the UI while it paints the first page
                    time.sleep(FIRST_PAINT_PAUSE)
        except Exception as err:  # stored on the dataset and shown; never fatal to the app
            if get_dataset(store, self.dataset_id).import_state != "failed":
                finish_import(store, self.dataset_id, [], f"{type(err).__name__}: {err}")
            self.post_message(self.ImportFailed())
        finally:
            store.close()

    @work
    async def export(self) -> None:
        """Ask where, then export the accepted examples (the name can ask for another format)."""
        source = Path(get_dataset(workspace_of(self.app).store, self.dataset_id).path)
        default = str(source.with_name(source.stem + ".accepted.jsonl"))
        hint = "Other formats: end it .alpaca.json, .sharegpt.json, .dpo.jsonl"
        prompt = PromptScreen("Export accepted examples to", default, hint=hint)
        path = await self.app.push_screen_wait(prompt)
        if path:
            self._export(Path(path).expanduser())

    @work(thread=True, group="export")
    def _export(self, path: Path) -> None:
        """Write the export off the event loop."""
        store = workspace_of(self.app).store.reopen()
        try:
            result = export_accepted(store, self.dataset_id, path, format_for_path(path.name))
            record_failure(store, self.dataset_id, None)
        except Exception as err:  # stored on the dataset and shown; never fatal to the app
            why = err.strerror if isinstance(err, OSError) else f"{type(err).__name__}: {err}"
            text = redact(f"export to {path} failed: {why or err}")
            record_failure(store, self.dataset_id, text)
            self.app.call_from_thread(
                self.notify,
                f"{text}\nWhat to do: choose another folder, or fix what the message names.",
                title="Export failed",
                severity="error",
                markup=False,
            )
            return
        finally:
            store.close()
        text = f"{result.written:,} examples written to {result.path}"
        if result.skipped_invalid:
            lines = ", ".join(map(str, result.skipped_invalid[:5]))
            text += f"; {len(result.skipped_invalid)} accepted with errors left out (lines {lines})"
        for reason, where in result.inexpressible.items():
            text += f"; {len(where):,} left out ({result.format} cannot express: {reason})"
        self.app.call_from_thread(self.notify, text, title="Exported")
