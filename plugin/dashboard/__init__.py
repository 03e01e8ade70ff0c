"""`kubectl rollouts dashboard`: a web UI over the plugin's own view model, intents and sender.

`model` (pure) turns cached objects into JSON; `access` asks the API server who the user is and what they may do;
`cache` holds one informer per kind for every client; `actions` authorises and sends the plugin's intents;
`server` wires them into a Starlette app; `command` is the CLI entry point. `static/` holds the built front end.
"""
