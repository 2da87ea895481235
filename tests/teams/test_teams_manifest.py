"""`ldbot manifest teams`: a package with the fields Teams requires and icons at the right sizes."""

from __future__ import annotations

import json
import re
import struct
import zipfile
import zlib

from click.testing import CliRunner

from bot.cli import main
from bot.teams.manifest import png_size

APP_ID = "3F2C6D7E-1A2B-4C3D-9E8F-0A1B2C3D4E5F"
REQUIRED = {"$schema", "manifestVersion", "version", "id", "developer", "name", "description", "icons",
            "accentColor"}


def _pixels(data: bytes) -> list[tuple[int, int, int, int]]:
    """Decode a PNG written without filters (colour type 6): enough to check what the icon holds."""
    width, height = png_size(data)
    assert data[24:29] == bytes([8, 6, 0, 0, 0])  # 8-bit RGBA, no interlace
    idat = b""
    pos = 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        if kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    assert len(raw) == stride * height
    pixels = []
    for row in range(height):
        line = raw[row * stride:(row + 1) * stride]
        assert line[0] == 0
        pixels += [tuple(line[1 + 4 * i:5 + 4 * i]) for i in range(width)]
    return pixels


def test_package_has_a_valid_manifest_and_icons(tmp_path):
    out = tmp_path / "ldbot-teams.zip"
    result = CliRunner().invoke(main, ["manifest", "teams", "--app-id", APP_ID, "--out", str(out),
                                       "--domain", "ldbot.northvale-fire.example"])
    assert result.exit_code == 0, result.output

    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color, outline = package.read("color.png"), package.read("outline.png")

    assert REQUIRED <= set(manifest)
    assert re.search(r"/v1\.(1[6-9]|[2-9]\d)/MicrosoftTeams\.schema\.json$", manifest["$schema"])
    assert manifest["manifestVersion"] == "1.16"
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["id"] == APP_ID.lower()
    developer = manifest["developer"]
    assert developer["name"] and all(developer[k].startswith("https://")
                                     for k in ("websiteUrl", "privacyUrl", "termsOfUseUrl"))
    assert 0 < len(manifest["name"]["short"]) <= 30 and len(manifest["name"]["full"]) <= 100
    assert 0 < len(manifest["description"]["short"]) <= 80 and len(manifest["description"]["full"]) <= 4000
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", manifest["accentColor"])
    assert manifest["validDomains"] == ["ldbot.northvale-fire.example"]

    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID.lower() and bot["scopes"] == ["personal", "team", "groupChat"]  # as the README says
    personal = next(c for c in bot["commandLists"] if c["scopes"] == ["personal"])
    assert [c["title"] for c in personal["commands"]] == ["help", "reflect", "evidence", "record", "ask"]
    for command_list in bot["commandLists"]:
        assert len(command_list["commands"]) <= 10
        for command in command_list["commands"]:
            assert 0 < len(command["title"]) <= 32 and 0 < len(command["description"]) <= 128

    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert png_size(color) == (192, 192) and png_size(outline) == (32, 32)
    colour_pixels = _pixels(color)
    assert all(p[3] == 255 for p in colour_pixels)  # full colour: opaque
    assert len(set(colour_pixels)) > 2  # the mark is drawn on the accent colour
    outline_pixels = _pixels(outline)
    assert all(p[:3] == (255, 255, 255) for p in outline_pixels)  # white only...
    assert {p[3] for p in outline_pixels} >= {0, 255}  # ...on a transparent background


def test_bad_app_id_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["manifest", "teams", "--app-id", "my-bot", "--out", str(tmp_path / "x.zip")])
    assert result.exit_code != 0 and "GUID" in result.output
    assert not (tmp_path / "x.zip").exists()


def test_a_pasted_url_becomes_a_host_and_example_urls_are_warned_about(tmp_path):
    out = tmp_path / "ldbot-teams.zip"
    result = CliRunner().invoke(main, ["manifest", "teams", "--app-id", APP_ID, "--out", str(out),
                                       "--domain", "https://ldbot.northvale-fire.example/slack/events?x=1"])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as package:
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["validDomains"] == ["ldbot.northvale-fire.example"]
    assert "example ones" in result.output and "--developer is still 'ldbot'" in result.output
    refused = CliRunner().invoke(main, ["manifest", "teams", "--app-id", APP_ID, "--out", str(out),
                                        "--domain", "not a host"])
    assert refused.exit_code != 0 and "is not a host name" in refused.output
    quiet = CliRunner().invoke(main, ["manifest", "teams", "--app-id", APP_ID, "--out", str(out),
                                      "--domain", "ldbot.northvale-fire.example", "--developer", "Northvale FRS",
                                      "--website-url", "https://northvale-fire.example/ldbot",
                                      "--privacy-url", "https://northvale-fire.example/privacy",
                                      "--terms-url", "https://northvale-fire.example/terms"])
    assert quiet.exit_code == 0 and "Warning" not in quiet.output
