"""A small Sphinx extension: the bibliography in the same author-year style as the text.

Loaded through ``sphinx.local_extensions`` in ``_config.yml``, which also sets
``bibtex_reference_style: author_year`` (citations in the text read "Robbins and
Monro, 1951") and ``bibtex_default_style: author_year`` (this file's style).

sphinxcontrib-bibtex lists the works under labels made by a pybtex *label style*;
its default, ``alpha``, makes labels such as ``[BKH16]`` that a reader cannot match
with the "(Ba et al., 2016)" of the text. This extension registers two pybtex
plugins:

* the label style ``author_year``: the label of a work is what its citations show,
  "Legendre, 1805", "Robbins and Monro, 1951", "Rumelhart et al., 1986", with "a",
  "b", ... after the year when two works would get the same label;
* the formatting style ``author_year``: pybtex's ``unsrt`` entries with those labels,
  sorted by author, year and title, and with each arXiv identifier shown once. An
  entry with an ``eprint`` links "arXiv:ID" to its page, so a ``url`` that is that
  same page, or a ``howpublished`` that only repeats "arXiv preprint arXiv:ID", is
  left out.
"""

import re
from collections import Counter
from string import ascii_lowercase

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.unsrt import Style as UnsrtStyle
from pybtex.style.labels import BaseLabelStyle
from sphinx.application import Sphinx

STYLE_NAME = "author_year"


def _surname(person):
    """'Jürgen Schmidhuber' -> 'Schmidhuber', 'Djork-Arn{\\'e} Clevert' -> 'Clevert'."""
    latex = " ".join(person.prelast_names + person.last_names)
    return Text.from_latex(latex).render_as("text")


def author_year_label(entry):
    """The label of one entry as its citations show it, e.g. 'Kingma and Ba, 2015'."""
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    surnames = [_surname(person) for person in persons]
    if not surnames:
        who = entry.key
    elif len(surnames) == 1:
        who = surnames[0]
    elif len(surnames) == 2:
        who = f"{surnames[0]} and {surnames[1]}"
    else:
        who = f"{surnames[0]} et al."
    year = entry.fields.get("year", "n.d.")
    return f"{who}, {year}"


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = [author_year_label(entry) for entry in sorted_entries]
        repeated = {label for label, count in Counter(labels).items() if count > 1}
        seen = Counter()
        for label in labels:
            if label in repeated:
                suffix = ascii_lowercase[seen[label]]
                seen[label] += 1
                label += suffix
            yield label


def _repeats_the_eprint(entry, field_name):
    """Whether ``field_name`` only restates the entry's arXiv identifier."""
    eprint = entry.fields.get("eprint", "").strip()
    value = entry.fields.get(field_name, "").strip()
    if not eprint or not value:
        return False
    arxiv_page = re.fullmatch(
        r"https?://(www\.)?arxiv\.org/(abs|pdf)/"
        + re.escape(eprint)
        + r"(v\d+)?(\.pdf)?/?",
        value,
    )
    return bool(arxiv_page) or value.lower() in (
        f"arxiv preprint arxiv:{eprint}".lower(),
        f"arxiv:{eprint}".lower(),
    )


class AuthorYearStyle(UnsrtStyle):
    default_label_style = STYLE_NAME
    default_sorting_style = "author_year_title"

    def format_entry(self, label, entry, bib_data=None):
        redundant = [
            name for name in ("url", "howpublished") if _repeats_the_eprint(entry, name)
        ]
        if not redundant:
            return super().format_entry(label, entry, bib_data=bib_data)
        # Format a copy without the fields that repeat the arXiv identifier.
        trimmed = entry.__class__(entry.type, persons=entry.persons)
        trimmed.key = entry.key
        for name, value in entry.fields.items():
            if name not in redundant:
                trimmed.fields[name] = value
        return super().format_entry(label, trimmed, bib_data=bib_data)


def setup(app: Sphinx):
    register_plugin("pybtex.style.labels", STYLE_NAME, AuthorYearLabelStyle, force=True)
    register_plugin("pybtex.style.formatting", STYLE_NAME, AuthorYearStyle, force=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
