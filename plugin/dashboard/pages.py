"""The two HTML pages the server writes itself: the sign-in form, and the shell the front end fills in."""

from __future__ import annotations

from html import escape

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}


def login(error: str = "") -> str:
    """A form that POSTs the token (never a URL parameter) to /login."""
    problem = f'<p class="error" id="login-error">{escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rollouts dashboard: sign in</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body class="login"><main>
<h1>Rollouts</h1>
<form method="post" action="/login" autocomplete="off">
<label for="token">Kubernetes bearer token</label>
<textarea id="token" name="token" rows="5" spellcheck="false" placeholder="kubectl create token &lt;service-account&gt;"></textarea>
{problem}
<button type="submit" id="sign-in">Sign in</button>
</form>
<p class="hint">The token is checked by the API server (TokenReview) and kept only in this server's memory.
You see and do what your RBAC allows.</p>
</main></body></html>
"""


def shell() -> str:
    return """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rollouts dashboard</title>
<link rel="stylesheet" href="/static/app.css"></head>
<body>
<header><a href="/" class="brand">Rollouts</a><nav id="nav"></nav><span id="live" class="live">connecting…</span>
<span id="user"></span><button id="sign-out" type="button">Sign out</button></header>
<main id="app"><p class="muted">Loading…</p></main>
<script type="module" src="/static/app.js"></script>
</body></html>
"""
