"""The book's Chinese font: a subset of Noto Sans CJK SC with just the characters the book uses.

The glossary gives every term in Chinese. A reader whose computer has no Chinese font
(many Linux installations, most containers) would see empty boxes instead, and a
book that must work offline cannot fetch a web font from a CDN. So the book ships
its own: Noto Sans CJK SC, cut down to the Chinese characters and punctuation that
appear in the book's pages (a few hundred glyphs, tens of kilobytes instead of the
16 MB of the full font). ``book/assets/cjk.css`` makes the pages use it for those
characters only (``unicode-range``), so Latin text keeps the reader's system font.

Add a Chinese term to the glossary and the font may lack its characters:
``tests/test_book.py`` then names them. Regenerate the subset from Debian's package
``fonts-noto-cjk`` (the full font; it only needs to be on the machine that runs this):

    apt-get download fonts-noto-cjk && dpkg -x fonts-noto-cjk_*.deb noto
    python book/tools/cjk_font.py noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

and write the new sha256 it prints into ``book/assets/README.md``.
"""

import argparse
import hashlib
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FONT = ROOT / "book" / "assets" / "fonts" / "NotoSansSC-book-subset.woff"

# The code points the subset covers and cjk.css maps to it (its unicode-range).
CJK_RANGES = [
    (0x2E80, 0x2FDF),  # CJK radicals
    (0x3000, 0x303F),  # CJK symbols and punctuation: 、。《》「」
    (0x3400, 0x4DBF),  # CJK unified ideographs, extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF00, 0xFFEF),  # full-width forms: ，：（）
]
CJK = re.compile(
    "[" + "".join(f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in CJK_RANGES) + "]"
)

# Where the book's text lives: every page and notebook that Jupyter Book renders.
SOURCES = [
    "_toc.yml",
    "_config.yml",
    "book/**/*.md",
    "book/**/*.ipynb",
    "notebooks/*.ipynb",
]

SC_FACE = "Noto Sans CJK SC"  # the face of the .ttc collection to take (it also holds JP, KR, TC, HK)


def book_cjk_characters(root=ROOT):
    """Every Chinese character and CJK punctuation mark in the book's sources, as a sorted string."""
    found = set()
    for pattern in SOURCES:
        for path in Path(root).glob(pattern):
            if "_build" in path.parts or ".ipynb_checkpoints" in path.parts:
                continue
            found.update(CJK.findall(path.read_text(encoding="utf-8")))
    return "".join(sorted(found))


def font_characters(font_path=FONT):
    """The characters a font file has glyphs for, as a set of one-character strings."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(font_path))
    return {chr(code) for code in font.getBestCmap()}


def _face_number(collection_path, face):
    from fontTools.ttLib import TTCollection

    names = [
        font["name"].getDebugName(1)
        for font in TTCollection(str(collection_path)).fonts
    ]
    if face not in names:
        raise SystemExit(f"{collection_path} has no face {face!r}; it holds {names}")
    return names.index(face)


def make_subset(source, output=FONT, text=None):
    """Write the woff subset of ``source`` (the Noto Sans CJK .ttc or an .otf) for ``text``."""
    from fontTools import subset

    text = book_cjk_characters() if text is None else text
    if not text:
        raise SystemExit(
            "the book's sources contain no Chinese characters: nothing to subset"
        )
    options = subset.Options()
    options.flavor = "woff"  # zlib-compressed; woff2 would need the brotli module
    options.hinting = (
        False  # screens render CJK well without hints, and it halves the size
    )
    options.desubroutinize = True
    options.layout_features = ["*"]
    options.name_IDs = ["*"]  # keep the copyright and licence records
    if str(source).lower().endswith(".ttc"):
        options.font_number = _face_number(source, SC_FACE)
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(output), options)
    missing = set(text) - font_characters(output)
    if missing:
        raise SystemExit(
            f"the source font has no glyph for {''.join(sorted(missing))!r}"
        )
    return output


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "source",
        help="NotoSansCJK-Regular.ttc (Debian's fonts-noto-cjk) or NotoSansCJKsc-Regular.otf",
    )
    args = parser.parse_args(argv)
    text = book_cjk_characters()
    output = make_subset(args.source, text=text)
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    print(
        f"{output.relative_to(ROOT)}: {len(text)} characters, {output.stat().st_size:,} bytes, sha256 {digest}"
    )


if __name__ == "__main__":
    sys.exit(main())
