"""The Teams app package an admin uploads: manifest.json plus the two icons, drawn here in code.

Teams requires a 192×192 full-colour icon and a 32×32 outline icon (white on transparent). They are
drawn with a few lines of geometry and written as PNG with zlib and struct, so no image library and no
binary files in the repository. The words in the manifest come from templates (bot/templates/teams/).
"""

from __future__ import annotations

import io
import json
import math
import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from bot.catalogue import Catalogue

MANIFEST_VERSION = "1.16"
SCHEMA_URL = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = "#1F4E79"
COLOR_SIZE = 192
OUTLINE_SIZE = 32
PERSONAL_COMMANDS = ("help", "reflect", "evidence", "record", "ask")
# In a team channel everyone can read the answers: only what is not personal.
TEAM_COMMANDS = ("help", "ask")
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")

Pixel = tuple[int, int, int, int]


class ManifestError(ValueError):
    """A value the Teams manifest would reject; the message says which and why."""


PLACEHOLDER_HOST = "www.example.org"


def domain_of(text: str) -> str:
    """What validDomains wants: a host name, from whatever was pasted ("https://ldbot.x.gov.uk/path/")."""
    host = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text.strip(), flags=re.I).split("/")[0].split("?")[0]
    host = host.rsplit("@", 1)[-1].split(":")[0].lower()
    if not re.fullmatch(r"(\*\.)?([a-z0-9-]+\.)+[a-z]{2,}", host):
        raise ManifestError(f"{text!r} is not a host name (for example ldbot.your-service.gov.uk)")
    return host


def placeholders(**urls: str) -> list[str]:
    """Which developer URLs are still the example ones (Teams shows them to every user of the app)."""
    return [label for label, url in urls.items() if PLACEHOLDER_HOST in url]


def _text(catalogue: Catalogue, name: str, **context: Any) -> str:
    return catalogue.render(f"teams.{name}", context, platform="console")


def manifest(
    app_id: str,
    *,
    version: str = "1.0.0",
    developer: str = "ldbot",
    website_url: str = "https://www.example.org/ldbot",
    privacy_url: str = "https://www.example.org/ldbot/privacy",
    terms_url: str = "https://www.example.org/ldbot/terms",
    domains: tuple[str, ...] = (),
    catalogue: Catalogue | None = None,
) -> dict[str, Any]:
    """manifest.json for ldbot: one bot (the Azure Bot's app id) in personal chats, teams and group chats."""
    if not GUID.match(app_id):
        raise ManifestError(f"app id {app_id!r} is not a GUID (the Azure Bot's Microsoft App ID)")
    if not SEMVER.match(version):
        raise ManifestError(f"version {version!r} must look like 1.0.0")
    for label, url in (("website", website_url), ("privacy", privacy_url), ("terms", terms_url)):
        if not url.startswith("https://"):
            raise ManifestError(f"the {label} URL must start with https://")
    catalogue = catalogue or Catalogue()

    def commands(words: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"title": w, "description": _text(catalogue, "manifest_command", command=w)[:128]} for w in words]

    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id.lower(),
        "developer": {"name": developer, "websiteUrl": website_url, "privacyUrl": privacy_url,
                      "termsOfUseUrl": terms_url},
        "name": {"short": "ldbot", "full": _text(catalogue, "manifest_name_full")[:100]},
        "description": {"short": _text(catalogue, "manifest_description_short")[:80],
                        "full": _text(catalogue, "manifest_description_full")[:4000]},
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [{
            "botId": app_id.lower(),
            "scopes": ["personal", "team", "groupChat"],
            "isNotificationOnly": False,
            "supportsFiles": False,
            "commandLists": [
                {"scopes": ["personal"], "commands": commands(PERSONAL_COMMANDS)},
                {"scopes": ["team", "groupChat"], "commands": commands(TEAM_COMMANDS)},
            ],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": sorted({domain_of(d) for d in domains}),
    }


def write_package(out: Path, app_id: str, **options: Any) -> Path:
    """Write the zip Teams accepts: manifest.json, color.png and outline.png at the top level."""
    data = manifest(app_id, **options)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(data, indent=2, ensure_ascii=False))
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    out.write_bytes(buffer.getvalue())
    return out


# --- icons ----------------------------------------------------------------------------------------------
def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _segment_distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _mark(x: float, y: float) -> bool:
    """The ldbot mark in a unit square: a ring with a tick inside (learning signed off)."""
    r = math.hypot(x - 0.5, y - 0.5)
    if 0.34 <= r <= 0.42:
        return True
    tick = ((0.33, 0.52), (0.45, 0.64), (0.68, 0.38))
    return min(_segment_distance(x, y, tick[0], tick[1]), _segment_distance(x, y, tick[1], tick[2])) <= 0.05


def _draw(size: int, inside: Pixel, outside: Pixel, samples: int = 3) -> list[list[Pixel]]:
    """Rasterise the mark with simple supersampling, so the edges are smooth at 32 px too."""
    rows = []
    for j in range(size):
        row = []
        for i in range(size):
            hits = sum(
                _mark((i + (si + 0.5) / samples) / size, (j + (sj + 0.5) / samples) / size)
                for si in range(samples) for sj in range(samples)
            )
            f = hits / samples**2
            row.append(tuple(round(outside[k] + (inside[k] - outside[k]) * f) for k in range(4)))  # type: ignore[misc]
        rows.append(row)
    return rows


def color_icon() -> bytes:
    r, g, b = _hex(ACCENT)
    return png(_draw(COLOR_SIZE, (255, 255, 255, 255), (r, g, b, 255)))


def outline_icon() -> bytes:
    # White where the mark is, fully transparent elsewhere (what Teams asks for).
    return png(_draw(OUTLINE_SIZE, (255, 255, 255, 255), (255, 255, 255, 0)))


def png(rows: list[list[Pixel]]) -> bytes:
    """Encode RGBA rows as a PNG (8-bit, colour type 6, no filtering)."""
    height, width = len(rows), len(rows[0])
    raw = b"".join(b"\x00" + bytes(channel for pixel in row for channel in pixel) for row in rows)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header; used by tests and `ldbot manifest teams` to check icons."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ManifestError("not a PNG file")
    return struct.unpack(">II", data[16:24])

