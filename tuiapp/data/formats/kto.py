"""KTO records (LLaMA-Factory's `kto_en_demo`: messages or ShareGPT conversations, and a
boolean `label` saying whether the answer is desirable) as OpenAI chat JSON.

No backend tuiapp drives trains KTO (the OpenAI API has SFT, DPO and reinforcement; the local
backend SFT and DPO), so a desirable example (`label: true`) is trained as supervised chat data
and an undesirable one (`label: false`) is kept, marked with a `kto_undesirable` error: "accept
clean" passes it over and a freeze leaves it out. The label stays in the source record."""

from __future__ import annotations

from typing import Any

from tuiapp.data.formats.convert import Converted
from tuiapp.data.formats.llamafactory import from_llamafactory, is_llamafactory
from tuiapp.data.formats.sharegpt import from_sharegpt, is_sharegpt

LABELS = ("label", "kto_tag")  # LLaMA-Factory's default column, and its name for the role
UNDESIRABLE = (
    "KTO label false (an undesirable answer): no backend here trains KTO and SFT would learn it "
    "as a good answer, so it is left out of freezes (the label true ones are trained as SFT)"
)


def kto_label(record: Any) -> bool | None:
    """The record's KTO label, None when it has no boolean label."""
    if not isinstance(record, dict):
        return None
    return next((v for k in LABELS if isinstance(v := record.get(k), bool)), None)


def is_kto(record: Any) -> bool:
    """True for a conversation (`messages` or `conversations`) with a boolean `label`."""
    return kto_label(record) is not None and (
        isinstance(record.get("messages"), list) or is_sharegpt(record)
    )


def from_kto(record: dict[str, Any]) -> Converted:
    """The conversation as chat JSON (ShareGPT and v1 content parts by their own rules), the
    label left out of it; a false label becomes the `kto_undesirable` note."""
    rest = {k: v for k, v in record.items() if k not in LABELS}
    if is_sharegpt(rest):
        converted = from_sharegpt(rest)
    elif is_llamafactory(rest):
        converted = from_llamafactory(rest)
    else:
        converted = Converted(rest)
    notes = converted.notes if kto_label(record) else [*converted.notes, UNDESIRABLE]
    return Converted(converted.example, notes)
