"""core: what every layer uses — errors and the problem collector, paths, atomic writes, safe cells,
wording (i18n), YAML and table reading, years. Imports nothing else from creditlab."""
from __future__ import annotations

__version__ = "0.1.0"
