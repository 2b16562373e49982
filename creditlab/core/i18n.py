"""Language choice for user-facing text: Chinese by default, English on request."""
from __future__ import annotations

LANGS = ("zh", "en")


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is supported, else raise ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def tr(zh: str, en: str, lang: str) -> str:
    """Pick the Chinese or English text."""
    return zh if check_lang(lang) == "zh" else en


def fmt_num(value: float | None, digits: int = 1, missing: str = "—") -> str:
    """Format a number for a report: thousands separators, fixed decimals, a dash when missing."""
    if value is None or value != value:  # NaN
        return missing
    return f"{value:,.{digits}f}"


def signed(x: float, digits: int = 1) -> str:
    """A change with its sign; no "+0.0"/"-0.0" for what rounds to zero."""
    text = f"{x:+.{digits}f}"
    return f"{0:.{digits}f}" if float(text) == 0 else text
