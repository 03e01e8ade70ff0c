"""An AnalysisRun's spec from template references: find and merge the templates, resolve and substitute args.

Pure, and below both users: the Rollout planner builds run specs with it, the AnalysisRun controller resolves
and substitutes the args of the runs it measures.
"""
