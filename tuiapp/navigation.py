"""The one place that opens drill-down screens: screens ask the workspace's navigation, never
import a sibling screen or the app."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the app type is for the checker: loading this module loads no Textual
    from textual.app import App

    from tuiapp.data.redaction import RedactionChoice, RedactionPlan

# Each screen is imported when it is first opened, not at start-up: the first paint waits only
# for the mode screens (numpy, jsonschema and the review's import machinery load on first use).


class Navigator:
    """Pushes the screen each request names onto the app's stack (implements `Navigation`)."""

    def __init__(self, app: App[None], open_file: Callable[[Path], None]) -> None:
        self._app = app
        self._open_file = open_file

    def open_file(self, path: Path) -> None:
        """Open (importing if new or changed) a dataset file and review it."""
        self._open_file(path)

    def review(self, dataset_id: int, problem: str | None = None) -> None:
        """Review a dataset, optionally filtered to one problem kind."""
        from screens.review import ReviewScreen

        self._app.push_screen(ReviewScreen(dataset_id, problem))

    async def report(self, dataset_id: int) -> str | None:
        """The dataset report; the problem kind chosen there, if any."""
        from screens.report import ReportScreen

        return await self._app.push_screen_wait(ReportScreen(dataset_id))

    async def quality(self, dataset_id: int) -> str | None:
        """The quality report; the item chosen there, if any."""
        from screens.quality import QualityScreen

        return await self._app.push_screen_wait(QualityScreen(dataset_id))

    def versions(self, dataset_id: int) -> None:
        """The frozen versions of a dataset."""
        from screens.versions import VersionsScreen

        self._app.push_screen(VersionsScreen(dataset_id))

    def new_job(self, version_id: int) -> None:
        """The form for a fine-tuning job on a version."""
        from screens.new_job import NewJobScreen

        self._app.push_screen(NewJobScreen(version_id))

    def job(self, job_id: int, *, replace: bool = False) -> None:
        """A job's live progress (`replace`: instead of the current screen)."""
        from screens.job import JobScreen

        if replace:
            self._app.switch_screen(JobScreen(job_id))
        else:
            self._app.push_screen(JobScreen(job_id))

    def providers(self) -> None:
        """Which providers can be used."""
        from screens.providers import ProvidersScreen

        self._app.push_screen(ProvidersScreen())

    def loss_curves(self, job_ids: list[int]) -> None:
        """Several jobs' loss curves overlaid on one chart."""
        from screens.loss_overlay import LossOverlayScreen

        self._app.push_screen(LossOverlayScreen(job_ids))

    def evaluate(self, job_id: int, model: str | None = None) -> None:
        """Evaluate a job's model (or one of its checkpoints: `model`) on its holdout set."""
        from screens.evaluate import EvaluateScreen

        self._app.push_screen(EvaluateScreen(job_id, model))

    def playground(self, job_id: int | None = None, model: str | None = None) -> None:
        """Try a model (a job's, or one of its checkpoints: `model`) beside its base by hand."""
        from screens.playground import PlaygroundScreen

        self._app.push_screen(PlaygroundScreen(job_id, model))

    async def rate(self, run_a: int, run_b: int, rater: str) -> None:
        """Rate two evaluation runs' answers blind; returns when the rater leaves."""
        from screens.rating import RatingScreen

        await self._app.push_screen_wait(RatingScreen(run_a, run_b, rater))

    async def redact_plan(self, title: str, plan: RedactionPlan) -> RedactionChoice | None:
        """Show what redaction would change; the kinds picked and items skipped, if applied."""
        from screens.redact_plan import RedactPlanScreen

        return await self._app.push_screen_wait(RedactPlanScreen(title, plan))

    def token_preview(self, dataset_id: int, idx: int) -> None:
        """An example as a base model sees it, with the tokens the loss is computed on."""
        from screens.token_preview import TokenPreviewScreen

        self._app.push_screen(TokenPreviewScreen(dataset_id, idx))
