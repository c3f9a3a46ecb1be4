"""Every user-facing string is translated: the zh_CN catalogue covers every message in the code."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def code_messages() -> set[str]:
    found = set()
    method_map = [
        ("caseflow/**.py", "python"),
        ("caseflow/templates/**.html", "jinja2"),
        ("caseflow/templates/**.txt", "jinja2"),  # e-mail and notification texts
    ]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def msgid(message) -> str:
    """The singular of a plural entry, else the id."""
    return message.id[0] if isinstance(message.id, tuple) else message.id


def strings(message) -> tuple:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def catalogue(locale: str):
    path = ROOT / "caseflow" / "translations" / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return read_po(fh)


def test_every_message_has_a_chinese_translation():
    zh = catalogue("zh_Hans_CN")
    translated = {msgid(m) for m in zh if m.id and all(strings(m)) and not m.fuzzy}
    missing = sorted(code_messages() - translated)
    assert not missing, f"untranslated in zh_CN (run `make i18n` and translate): {missing[:20]}"


def test_english_catalogue_knows_every_message():
    en = catalogue("en")
    known = {msgid(m) for m in en if m.id}
    missing = sorted(code_messages() - known)
    assert not missing, f"missing from the en catalogue (run `make i18n`): {missing[:20]}"


def test_placeholders_survive_translation():
    import re

    pattern = re.compile(r"%\(\w+\)[sd]")
    for message in catalogue("zh_Hans_CN"):
        for text in strings(message) if message.id else ():
            if text:
                expected = sorted(pattern.findall(msgid(message)))
                assert sorted(pattern.findall(text)) == expected, message.id
