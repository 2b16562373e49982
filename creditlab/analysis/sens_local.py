"""The local view: points of score each region gains per point of weight moved to each indicator.

One method of :mod:`creditlab.sensitivity` (the derivative is in :func:`creditlab.sensitivity.local_sensitivity`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd


class LocalMethod:
    """:meth:`local_sensitivity` of the weight model."""

    def local_sensitivity(self) -> pd.DataFrame:
        """See :func:`creditlab.sensitivity.local_sensitivity`."""
        return _local(self)


def _local(model: LocalMethod) -> pd.DataFrame:
    w0 = model.nominal.to_numpy(float)
    weighted = model.f_lo @ w0  # s_r: the weighted part of each score (bonus points do not move)
    rest = model.total - w0     # T − w_k: the weight the other indicators give up from
    with np.errstate(invalid="ignore", divide="ignore"):
        # One indicator holding the whole total has no others to take weight from: undefined (NaN).
        effect = np.where(rest > 0, (model.total * model.f_lo - weighted[:, None]) / rest, np.nan)
    m, k = effect.shape
    return pd.DataFrame({
        "region": np.repeat(model.regions, k), "name": np.repeat(model.names.reindex(model.regions).to_numpy(), k),
        "id": np.tile(np.asarray(model.ids, dtype=object), m),
        "indicator_zh": np.tile(model.indicator_names("zh").to_numpy(), m),
        "indicator_en": np.tile(model.indicator_names("en").to_numpy(), m),
        "share_earned": model.f_lo.ravel(), "effect": effect.ravel(),
    })
