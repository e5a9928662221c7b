"""The installable hall's icons (gateway/web/manifest.webmanifest): the hall's logo (gateway/web/assets/logo.svg —
a blue house under an orange roof line in a white disc) drawn with Pillow as PNG, the format every phone's home
screen takes. The PNGs are committed; after changing the drawing, write them again:

    .venv/bin/python -m gateway.pwa_icons
"""

import argparse
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ASSETS = Path(__file__).resolve().parent / "web" / "assets"
BLUE, ORANGE, WHITE = "#1456a0", "#f0a04b", "#ffffff"
SUPERSAMPLE = 4  # drawn 4× larger, then scaled down: smooth edges without an anti-aliasing renderer

# file name → (size in px, maskable): a maskable icon fills its square edge to edge and keeps the logo inside the
# central 80 % circle, since the launcher cuts it to its own shape
ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
    "apple-touch-icon.png": (180, True),
}


def draw(size: int, maskable: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), BLUE if maskable else (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    # the logo's 64-unit drawing, centred; the maskable one is shrunk into the safe zone
    scale = big / 64 * (0.72 if maskable else 1.0)
    offset = (big - 64 * scale) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return offset + x * scale, offset + y * scale

    pen.ellipse([at(2, 2), at(62, 62)], fill=WHITE)
    pen.polygon([at(12, 33), at(32, 15), at(52, 33), at(47, 33), at(47, 50), at(17, 50), at(17, 33)], fill=BLUE)
    pen.rectangle([at(27, 37), at(37, 50)], fill=WHITE)
    roof = [at(8, 34), at(32, 12), at(56, 34)]
    width = round(4 * scale)
    pen.line(roof, fill=ORANGE, width=width, joint="curve")
    for x, y in (roof[0], roof[2]):  # round line caps, as the SVG's stroke-linecap
        pen.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=ORANGE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def write(folder: Path = ASSETS) -> list[Path]:
    written = []
    for name, (size, maskable) in ICONS.items():
        path = folder / name
        draw(size, maskable).save(path, format="PNG", optimize=True)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ASSETS, help=f"folder to write them to (default: {ASSETS})")
    args = parser.parse_args(argv)
    for path in write(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
