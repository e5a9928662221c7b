"""The installable app's icons: each one the manifest names is committed, at its size, and is what
gateway.pwa_icons draws (so a changed drawing without regenerated files fails here)."""

import json

from PIL import Image, ImageChops

from gateway import pwa_icons
from gateway.config import WEB_DIR


def test_the_manifests_icons_are_committed_at_their_sizes_and_match_the_drawing():
    manifest = json.loads((WEB_DIR / "manifest.webmanifest").read_text(encoding="utf-8"))
    named = {icon["src"].removeprefix("/assets/"): icon for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"icon-192.png", "icon-512.png", "icon-maskable-512.png"} <= set(named)
    assert named["icon-maskable-512.png"]["purpose"] == "maskable"
    for name, (size, maskable) in pwa_icons.ICONS.items():
        committed = Image.open(pwa_icons.ASSETS / name)
        assert committed.size == (size, size), name
        if name in named:
            assert named[name]["sizes"] == f"{size}x{size}"
        drawn = pwa_icons.draw(size, maskable)
        changed = ImageChops.difference(committed.convert("RGBA"), drawn).getbbox()
        assert changed is None, f"{name} differs from the drawing: run python -m gateway.pwa_icons"
        # a maskable icon fills its square: the launcher cuts it to its own shape
        if maskable:
            assert committed.convert("RGBA").getpixel((0, 0))[3] == 255
