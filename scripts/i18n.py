"""labkit's message catalogs: extract the English messages, compile the translations, check.

    python scripts/i18n.py extract   # labkit/**.py -> labkit/locale/labkit.pot -> update each .po
    python scripts/i18n.py compile   # each labkit/locale/<lang>/LC_MESSAGES/labkit.po -> .mo
    python scripts/i18n.py --check   # exit 1 unless all of the below hold

``--check`` (also run by tests/test_i18n.py) verifies that

* ``labkit.pot`` holds exactly the messages the code marks with ``_``/``ngettext``/``N_``;
* every ``.po`` holds the same messages, each translated (non-empty, not fuzzy), with the same
  ``{placeholders}`` as the English;
* every committed ``.mo`` equals a fresh compile of its ``.po``.

Workflow after changing a message in ``labkit/``: ``extract``, translate the new or fuzzy
entries in ``labkit/locale/ko/LC_MESSAGES/labkit.po``, ``compile``, commit all three files.
Locations are written without line numbers so that unrelated edits do not churn the catalogs.

Babel does the extraction, catalog update and compilation (a test tool pinned in
``requirements.txt``); labkit reads the ``.mo`` with the standard library's ``gettext``.
"""

from __future__ import annotations

import argparse
import io
import string
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "labkit"
LOCALE = PACKAGE / "locale"
POT = LOCALE / "labkit.pot"
DOMAIN = "labkit"
KEYWORDS = {"_": None, "gettext_": None, "ngettext": (1, 2), "N_": None}
COMMENT_TAGS = ("Translators:",)
WIDTH = 100


def _sources() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "locale" not in p.parts)


def extract() -> Catalog:
    """A template catalog of every marked message in ``labkit/``, in file order."""
    catalog = Catalog(
        project="labkit",
        copyright_holder="the labkit authors",
        header_comment=(
            "# labkit's English messages: the template of its translations.\n"
            "# Made by `python scripts/i18n.py extract` from labkit/; do not edit by hand."
        ),
        charset="utf-8",
        fuzzy=False,
    )
    for path in _sources():
        rel = path.relative_to(REPO).as_posix()
        for lineno, message, comments, context in extract_from_file(
            "python", path, keywords=KEYWORDS, comment_tags=COMMENT_TAGS, strip_comment_tags=True
        ):
            catalog.add(message, locations=[(rel, lineno)], auto_comments=comments, context=context)
    return catalog


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=locale, domain=DOMAIN)


def _po_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_po(
        buf,
        catalog,
        width=WIDTH,
        include_lineno=False,
        ignore_obsolete=True,
        sort_output=False,
    )
    return buf.getvalue()


def _mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def _template_bytes() -> bytes:
    """The .pot text for the current code (keeping the committed file's creation date)."""
    template = extract()
    if POT.exists():
        template.creation_date = _read(POT).creation_date
        template.revision_date = template.creation_date
    return _po_bytes(template)


def languages() -> tuple[str, ...]:
    """The translated languages: labkit.i18n.LANGUAGES without English, the source language."""
    sys.path.insert(0, str(REPO))
    from labkit.i18n import LANGUAGES

    return tuple(code for code in LANGUAGES if code != "en")


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def po_files() -> list[Path]:
    return [po_path(code) for code in languages()]


def _updated(po: Path, template: Catalog) -> Catalog:
    catalog = _read(po, locale=po.parent.parent.name)
    catalog.update(template, update_header_comment=False, update_creation_date=False)
    return catalog


def cmd_extract() -> None:
    text = _template_bytes()
    LOCALE.mkdir(parents=True, exist_ok=True)
    if not POT.exists() or POT.read_bytes() != text:
        POT.write_bytes(text)
        print(f"wrote {POT.relative_to(REPO)}")
    template = _read(POT)
    for po in po_files():
        if not po.exists():  # a new language: an empty catalog to translate
            po.parent.mkdir(parents=True, exist_ok=True)
            code = po.parent.parent.name
            header = (
                f"# labkit's messages in {code}: translate here, then `scripts/i18n.py compile`."
            )
            new_catalog = Catalog(locale=code, project="labkit", header_comment=header)
            po.write_bytes(_po_bytes(new_catalog))
        new = _po_bytes(_updated(po, template))
        if po.read_bytes() != new:
            po.write_bytes(new)
            print(f"updated {po.relative_to(REPO)}")


def cmd_compile() -> None:
    for po in po_files():
        mo = po.with_suffix(".mo")
        data = _mo_bytes(_read(po, locale=po.parent.parent.name))
        if not mo.exists() or mo.read_bytes() != data:
            mo.write_bytes(data)
            print(f"wrote {mo.relative_to(REPO)}")


def placeholders(text: str) -> list[str]:
    """The ``{field!conv:spec}`` placeholders of a ``str.format`` text, sorted."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        return [f"<unparsable: {exc}>"]
    return sorted(
        "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
        for _, name, spec, conv in parsed
        if name is not None
    )


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, tuple | list) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    s = message.string
    return tuple(s) if isinstance(s, tuple | list) else (s,)


def translation_problems(catalog: Catalog, name: str) -> list[str]:
    """Untranslated, fuzzy or placeholder-mismatched messages of one catalog."""
    out = []
    for message in catalog:
        if not message.id:
            continue
        ids, strings = _ids(message), _strings(message)
        short = ids[0][:60]
        if message.fuzzy:
            out.append(f"{name}: fuzzy (review, then remove the fuzzy flag): {short!r}")
        if not all(strings):
            out.append(f"{name}: untranslated: {short!r}")
            continue
        # Korean has one plural form: it must carry the plural's placeholders
        want = placeholders(ids[-1])
        for s in strings:
            if placeholders(s) != want:
                out.append(
                    f"{name}: placeholders {placeholders(s)} differ from {want} in {short!r}"
                )
    return out


def problems() -> list[str]:
    """Everything ``--check`` reports; empty when the catalogs are complete and fresh."""
    out = []
    if not POT.exists() or POT.read_bytes() != _template_bytes():
        out.append(f"{POT.relative_to(REPO)} is out of date: run `python scripts/i18n.py extract`")
        template = extract()
    else:
        template = _read(POT)
    wanted = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in template if m.id}
    for po in po_files():
        rel = po.relative_to(REPO).as_posix()
        if not po.exists():
            out.append(f"{rel} is missing: run `python scripts/i18n.py extract`")
            continue
        catalog = _read(po, locale=po.parent.parent.name)
        have = {(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog if m.id}
        for key in sorted(wanted - have, key=str):
            out.append(f"{rel}: missing {key[0][:60]!r}: run `python scripts/i18n.py extract`")
        for key in sorted(have - wanted, key=str):
            out.append(
                f"{rel}: no longer used {key[0][:60]!r}: run `python scripts/i18n.py extract`"
            )
        out += translation_problems(catalog, rel)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != _mo_bytes(catalog):
            out.append(f"{mo.relative_to(REPO)} is stale: run `python scripts/i18n.py compile`")
    return out


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", choices=("extract", "compile"))
    parser.add_argument("--check", action="store_true", help="check; change nothing")
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    if args.check:
        found = problems()
        for line in found:
            print(line)
        print("catalogs: ok" if not found else f"catalogs: {len(found)} problem(s)")
        return 1 if found else 0
    if args.command == "extract":
        cmd_extract()
    elif args.command == "compile":
        cmd_compile()
    else:
        parser.error("give extract, compile or --check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
