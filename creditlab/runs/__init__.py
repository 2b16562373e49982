"""runs: notebook parameters and the batch runner (papermill, kernels, the reports folder).
Imports every lower layer; only :mod:`creditlab.cli` imports it."""
