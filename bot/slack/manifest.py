"""A ready Slack app manifest: paste it into api.slack.com/apps → Create New App → From a manifest.

The scopes are exactly the ones the code calls: chat.postMessage/chat.update/chat.postEphemeral
(chat:write), message.im events (im:history), conversations.open for DMs (im:read, im:write), mentions
(app_mentions:read), users.info with the email used to match people (users:read, users:read.email), and
the /ld slash command (commands). views.open/views.publish need no extra scope.
"""

from __future__ import annotations

from typing import Any

import yaml

from bot.slack.platform import EVENTS_PATH

BOT_SCOPES = (
    "app_mentions:read",
    "chat:write",
    "commands",
    "im:history",
    "im:read",
    "im:write",
    "users:read",
    "users:read.email",
)
BOT_EVENTS = ("app_home_opened", "app_mention", "message.im")
SLASH_COMMAND = "/ld"
PLACEHOLDER_URL = "https://ldbot.example.org"


def manifest(*, url: str | None = None, socket_mode: bool = False, name: str = "ldbot") -> dict[str, Any]:
    base = (url or PLACEHOLDER_URL).rstrip("/")
    endpoint = base + EVENTS_PATH
    command: dict[str, Any] = {
        "command": SLASH_COMMAND,
        "description": "Your learning and development assistant: reflections, evidence, policies",
        "usage_hint": "help | reflect | evidence | record | ask <question>",
        "should_escape": False,
    }
    interactivity: dict[str, Any] = {"is_enabled": True}
    events: dict[str, Any] = {"bot_events": list(BOT_EVENTS)}
    if not socket_mode:
        command["url"] = endpoint
        interactivity |= {"request_url": endpoint, "message_menu_options_url": endpoint}
        events = {"request_url": endpoint, **events}
    return {
        "display_information": {
            "name": name,
            "description": "Learning and development help: CPD reflections, competence evidence, policy answers",
            "background_color": "#1d3557",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": name, "always_online": True},
            "slash_commands": [command],
        },
        "oauth_config": {"scopes": {"bot": list(BOT_SCOPES)}},
        "settings": {
            "event_subscriptions": events,
            "interactivity": interactivity,
            "org_deploy_enabled": False,
            "socket_mode_enabled": socket_mode,
            "token_rotation_enabled": False,
        },
    }


def manifest_yaml(**kwargs: Any) -> str:
    return yaml.safe_dump(manifest(**kwargs), sort_keys=False, allow_unicode=True)
