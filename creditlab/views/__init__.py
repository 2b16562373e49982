"""views: words, HTML and charts — banner, figures, HTML pages, one module per document (county report,
sensitivity report, plan progress, rubric browser). Imports core, loaders and analysis."""
