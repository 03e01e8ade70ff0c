"""The `kubectl rollouts` plugin: read, watch and steer Rollouts (argoproj.io/v1alpha1) like Argo's CLI does.

Intent, view, render and print are separate steps:

* pure: `intents` (the patches a command sends), `view` (what a page shows, built from raw objects with `raw`,
  `phases`, `pods` and `icons`), `render` (how it looks), `durations`, `lint`;
* I/O: `send` (carries out intents), `sources` (reads and watches), `watch` (the live loops);
* `cli` wires them into commands; `context` holds the connection settings; `completion` serves the shell.
"""
