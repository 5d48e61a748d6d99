"""A stored quality report as it stands now: duplicate groups that review already resolved
(every copy but one rejected) are no longer counted as to drop."""

from __future__ import annotations

from dataclasses import replace

from tuiapp.data.quality_report import DuplicateSummary, QualityReport
from tuiapp.store import Store
from tuiapp.store.quality import Scan, open_duplicates


def current_report(store: Store, dataset_id: int, scan: Scan) -> QualityReport:
    """The scan's report with its duplicate counts taken from the review as it is now."""
    report = QualityReport.from_dict(scan.report)
    found = open_duplicates(store, dataset_id)
    duplicates = DuplicateSummary(
        groups=found.groups,
        exact_groups=found.exact_groups,
        near_groups=found.groups - found.exact_groups,
        to_drop=found.to_drop,
        exact_to_drop=found.exact_to_drop,
        near_to_drop=found.near_to_drop,
    )
    return replace(report, duplicates=duplicates)
