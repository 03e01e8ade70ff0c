"""A notification rendered from its templates, and the HTTP request each service wants for it. Pure.

Services as notifications-engine defines them: `webhook` (url, headers, basicAuth; the template's
`webhook.<service name>` gives method, path and body), `slack` (token, apiURL, username, icon; Slack's
chat.postMessage with attachments and blocks) and `teams` (recipientUrls; an Office 365 MessageCard). Every
payload is bounded by `MAX_PAYLOAD` bytes: a longer message is cut, anything else that is too big is an error.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rollouts.notify.config import Service
from rollouts.notify.render import render
from rollouts.notify.subscriptions import Destination

MAX_PAYLOAD = 64 * 1024
MAX_MESSAGE = 16 * 1024
SLACK_API = "https://slack.com/api/"
SLACK_FIELDS = ("username", "icon", "attachments", "blocks", "groupingKey")
TEAMS_FIELDS = ("template", "title", "summary", "text", "themeColor", "facts", "sections", "potentialAction")


class MessageError(ValueError):
    pass


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    expect: str = "status"
    """How success looks: "status" (2xx), "slack" (JSON with ok: true) or "teams" (body "1")."""


def notification(
    templates: Mapping[str, Mapping[str, Any]], names: tuple[str, ...], variables: Mapping[str, Any]
) -> dict[str, Any]:
    """The message and service fields of the named templates, rendered and merged in order."""
    out: dict[str, Any] = {"slack": {}, "teams": {}, "webhook": {}}
    for name in names:
        template = templates.get(name)
        if template is None:
            raise MessageError(f"template {name!r} is not configured (add template.{name} to the ConfigMap)")
        if isinstance(template.get("message"), str):
            out["message"] = render(f"template.{name}.message", template["message"], variables)
        for service, fields in (("slack", SLACK_FIELDS), ("teams", TEAMS_FIELDS)):
            for key in fields:
                if isinstance((template.get(service) or {}).get(key), str):
                    out[service][key] = render(f"template.{name}.{service}.{key}", template[service][key], variables)
        for hook, spec in (template.get("webhook") or {}).items():
            if isinstance(spec, Mapping):
                where = f"template.{name}.webhook.{hook}"
                out["webhook"][hook] = {
                    "method": str(spec.get("method") or ""),
                    "path": render(f"{where}.path", str(spec.get("path") or ""), variables),
                    "body": render(f"{where}.body", str(spec.get("body") or ""), variables),
                }
    return out


def _json_field(where: str, text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as error:
        raise MessageError(f"{where} is not valid JSON after rendering: {error}") from None


def _message(rendered: Mapping[str, Any]) -> str:
    text = str(rendered.get("message") or "")
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def _webhook(service: Service, name: str, rendered: Mapping[str, Any]) -> Request:
    options = service.options
    url, method, body = str(options.get("url") or ""), "GET", _message(rendered)
    if override := rendered["webhook"].get(name):
        body, method = override["body"], override["method"] or method
        if override["path"]:
            url = url.rstrip("/") + "/" + override["path"].lstrip("/")
    headers = {str(h.get("name")): str(h.get("value")) for h in options.get("headers") or [] if isinstance(h, Mapping)}
    if isinstance(auth := options.get("basicAuth"), Mapping):
        pair = f"{auth.get('username', '')}:{auth.get('password', '')}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
    return Request(method.upper(), url, body.encode(), headers)


def _slack(service: Service, recipient: str, rendered: Mapping[str, Any]) -> Request:
    options, slack = service.options, rendered["slack"]
    payload: dict[str, Any] = {"channel": recipient, "text": _message(rendered)}
    for key in ("attachments", "blocks"):
        if slack.get(key, "").strip():
            payload[key] = _json_field(f"slack.{key}", slack[key])
    if username := slack.get("username") or options.get("username"):
        payload["username"] = username
    if icon := str(slack.get("icon") or options.get("icon") or ""):
        payload["icon_emoji" if icon.startswith(":") and icon.endswith(":") else "icon_url"] = icon
    url = str(options.get("apiURL") or SLACK_API).rstrip("/") + "/chat.postMessage"
    headers = {"Authorization": f"Bearer {options.get('token', '')}", "Content-Type": "application/json; charset=utf-8"}
    return Request("POST", url, json.dumps(payload).encode(), headers, "slack")


def _teams(service: Service, recipient: str, rendered: Mapping[str, Any]) -> Request:
    urls = service.options.get("recipientUrls") or {}
    if not isinstance(urls, Mapping) or recipient not in urls:
        raise MessageError(f"no teams webhook configured for recipient {recipient!r} (recipientUrls)")
    teams = rendered["teams"]
    if teams.get("template", "").strip():
        card = _json_field("teams.template", teams["template"])
    else:
        card = {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "text": teams.get("text") or _message(rendered),
        }
        card.update({key: teams[key] for key in ("title", "summary", "themeColor") if teams.get(key)})
        sections = _json_field("teams.sections", teams["sections"]) if teams.get("sections", "").strip() else []
        if teams.get("facts", "").strip():
            sections = [*sections, {"facts": _json_field("teams.facts", teams["facts"])}]
        if sections:
            card["sections"] = sections
        if teams.get("potentialAction", "").strip():
            card["potentialAction"] = _json_field("teams.potentialAction", teams["potentialAction"])
    return Request(
        "POST", str(urls[recipient]), json.dumps(card).encode(), {"Content-Type": "application/json"}, "teams"
    )


def request_for(service: Service, destination: Destination, rendered: Mapping[str, Any]) -> Request:
    """The HTTP request that delivers `rendered` to `destination` through `service`."""
    if service.type == "webhook":
        request = _webhook(service, destination.service, rendered)
    elif service.type == "slack":
        request = _slack(service, destination.recipient, rendered)
    elif service.type == "teams":
        request = _teams(service, destination.recipient, rendered)
    else:
        raise MessageError(f"service type {service.type!r} is not supported")
    if not request.url.startswith(("http://", "https://")):
        raise MessageError(f"service {destination.service}: url {request.url[:80]!r} is not an http(s) URL")
    if len(request.body) > MAX_PAYLOAD:
        raise MessageError(f"payload of {len(request.body)} bytes is over the {MAX_PAYLOAD}-byte limit")
    return request
