"""Analysis runs: templates, providers, judges and the AnalysisRun controller."""
