"""loaders: files in, checked tables out — rubrics, plans, regions and zones, indicator data, context,
templates and ingest. Imports only :mod:`creditlab.core`."""
