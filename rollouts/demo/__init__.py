"""`rollouts demo`: a real canary, end to end, on a local cluster: a good version passes its analysis, a bad one
fails it and is aborted.

* `summary`: PURE. AnalysisRuns → decisions; each version → a verdict; everything → the summary's lines.
* `routers`: PURE. The routers `--router` takes: example, CRDs, routing object; the weights read off that object.
* `progress`: PURE. A rollout's view → one progress line (for output that is not a terminal).
* `prometheus`: the Debian package's Prometheus: configuration, command line, HTTP queries.
* `processes`: start, record and stop the demo's own processes (process groups, pid files, PR_SET_PDEATHSIG).
* `components`: start Prometheus, the controller and the traffic simulator, and wait until they answer.
* `manifests`: install the CRDs, the AnalysisTemplates and the example from the checkout.
* `watching`: follow the rollout until done: the plugin's live view on a terminal, progress lines elsewhere.
* `runner`: the scenario, and `down` for a kept demo.
* `cli`: the `demo` click command.

Only the pure modules are imported here; import the others by name.
"""

from rollouts.demo import progress, summary

__all__ = ["progress", "summary"]
