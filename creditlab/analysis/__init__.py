"""analysis: numbers from loaded tables — normalisation, scoring, certification, points and ranks,
weights, monitoring rankings, sensitivity. Imports :mod:`creditlab.core` and :mod:`creditlab.loaders`."""
