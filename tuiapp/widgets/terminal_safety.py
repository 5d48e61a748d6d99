"""Text from a dataset, a model or a provider is drawn, never obeyed by the terminal.

Rich and Textual strip only BEL, BS, VT, FF and CR from the text they render; an ESC in an
example or a model's answer went to the terminal as it was, so `ESC ] 52 ; ...` could write the
user's clipboard and `ESC [ 2 J` clear the screen, over SSH as well. Both libraries sanitise
every text through one translation table each: this adds the other C0 controls, DEL and the C1
controls to both, drawn as their Unicode control pictures (ESC as the one-cell symbol for
escape), so a user sees that they are there."""

from __future__ import annotations

from typing import Final

KEPT: Final = {9, 10}  # tab and newline lay text out
STRIPPED_ALREADY: Final = {7, 8, 11, 12, 13}  # BEL BS VT FF CR: both libraries drop these


def control_pictures() -> dict[int, str]:
    """Every control code both libraries let through, mapped to what is drawn instead."""
    table = {code: chr(0x2400 + code) for code in range(32) if code not in KEPT | STRIPPED_ALREADY}
    table[0x7F] = "\u2421"  # DEL
    table.update({code: "\ufffd" for code in range(0x80, 0xA0)})  # C1 (CSI 0x9b among them)
    return table


_DRAWABLE: Final = {**{code: None for code in STRIPPED_ALREADY}, **control_pictures()}


def drawable(text: str) -> str:
    """`text` as Rich and Textual sanitise it, for a widget that draws segments itself."""
    return text.translate(_DRAWABLE)


def harden_terminal_output() -> None:
    """Add the control pictures to Rich's and Textual's sanitising tables (once per process;
    their functions take the table as a default argument, so it is changed in place)."""
    import rich.control
    import textual.content

    pictures = control_pictures()
    for table in (rich.control._CONTROL_STRIP_TRANSLATE, textual.content._CONTROL_STRIP_TRANSLATE):
        table.update(pictures)  # type: ignore[arg-type]
