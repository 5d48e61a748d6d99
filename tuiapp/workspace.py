"""The workspace: what every screen may reach of the app (store, providers, paths, config,
the job feed and the navigation), in one object with no Textual in it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, cast

from tuiapp.config import Config
from tuiapp.paths import AppPaths
from tuiapp.providers.registry import Providers
from tuiapp.store import Store

if TYPE_CHECKING:  # the redaction module pulls in every check: off the start-up path
    from tuiapp.data.redaction import RedactionChoice, RedactionPlan
    from tuiapp.services.job_watch import Polled  # the job watcher: loaded after first paint


class JobFeed(Protocol):
    """Where every poll of a job is published (the app's Textual signal)."""

    def subscribe(self, node: Any, callback: Callable[[Polled], Any]) -> None:
        """Call `callback` with every poll for as long as `node` is mounted."""


class Navigation(Protocol):
    """Opens the drill-down screens, so that screens never import each other or the app.
    The awaited ones answer with what the user chose there; await them in a worker."""

    def open_file(self, path: Path) -> None:
        """Open (importing if new or changed) a dataset file and review it."""

    def review(self, dataset_id: int, problem: str | None = None) -> None:
        """Review a dataset, optionally filtered to one problem kind."""

    async def report(self, dataset_id: int) -> str | None:
        """The dataset report; the problem kind chosen there, if any."""

    async def quality(self, dataset_id: int) -> str | None:
        """The quality report; the item chosen there, if any."""

    def versions(self, dataset_id: int) -> None:
        """The frozen versions of a dataset."""

    def new_job(self, version_id: int) -> None:
        """The form for a fine-tuning job on a version."""

    def job(self, job_id: int, *, replace: bool = False) -> None:
        """A job's live progress (`replace`: instead of the current screen)."""

    def providers(self) -> None:
        """Which providers can be used."""

    def loss_curves(self, job_ids: list[int]) -> None:
        """Several jobs' loss curves overlaid on one chart."""

    def evaluate(self, job_id: int, model: str | None = None) -> None:
        """Evaluate a job's model (or one of its checkpoints: `model`) on its holdout set."""

    def playground(self, job_id: int | None = None, model: str | None = None) -> None:
        """Try a model (a job's, or one of its checkpoints: `model`) beside its base by hand."""

    async def rate(self, run_a: int, run_b: int, rater: str) -> None:
        """Rate two evaluation runs' answers blind; returns when the rater leaves."""

    async def redact_plan(self, title: str, plan: RedactionPlan) -> RedactionChoice | None:
        """Show what redaction would change; the kinds picked and items skipped, if applied."""

    def token_preview(self, dataset_id: int, idx: int) -> None:
        """An example as a base model sees it, with the tokens the loss is computed on."""


@dataclass
class Workspace:
    """The app's state as screens see it; the app builds one and every screen reads it."""

    store: Store
    paths: AppPaths
    providers: Providers
    config: Config
    jobs: JobFeed
    nav: Navigation


class HasWorkspace(Protocol):
    """The app as screens type it: something that holds a workspace."""

    workspace: Workspace


def workspace_of(app: object) -> Workspace:
    """The running app's workspace: the one way a screen reaches the app's state
    (`workspace_of(self.app)`), typed without importing the app."""
    return cast(HasWorkspace, app).workspace
