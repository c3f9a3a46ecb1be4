"""Password hashing (Argon2id) and the two password profiles.

* ``dengbao`` (default, 等保 level 3 practice): at least 8 characters, at least 3 of the 4
  character classes (lower case, upper case, digits, symbols), changed every 90 days.
* ``asvs`` (OWASP ASVS v5): at least 8 characters, no composition rule, no rotation, refused when
  it is among the 30,000 most common passwords (zxcvbn's list plus common Chinese ones).
"""

import contextlib
from dataclasses import dataclass
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

MAX_LENGTH = 128

# Frequent in Chinese password leaks and missing from zxcvbn's English-centred list.
CHINESE_COMMON = (
    "a123456",
    "a12345678",
    "a123456789",
    "qq123456",
    "woaini1314",
    "5201314",
    "1qaz2wsx",
    "1q2w3e4r",
    "abc123456",
    "123456abc",
    "123qwe",
    "qwe123",
    "aa123456",
    "a1234567",
    "147258369",
    "123456789a",
    "abcd1234",
    "1234qwer",
    "qazwsxedc",
    "asdfghjkl",
    "88888888",
    "66666666",
    "11223344",
    "12341234",
    "789456123",
    "123654789",
    "31415926",
    "110110110",
    "password1",
    "passw0rd",
    "p@ssw0rd",
    "admin123",
    "admin888",
    "root1234",
    "test1234",
    "zhang123",
    "wang1234",
    "li123456",
    "sichuan123",
    "chengdu123",
)


@dataclass(frozen=True)
class Profile:
    name: str
    min_length: int
    min_classes: int
    max_age_days: int | None
    reject_common: bool


PROFILES = {
    "dengbao": Profile("dengbao", 8, 3, 90, reject_common=False),
    "asvs": Profile("asvs", 8, 0, None, reject_common=True),
}


def profile() -> Profile:
    return PROFILES[current_app.config["PASSWORD_PROFILE"]]


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"]) | frozenset(CHINESE_COMMON)


def character_classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def password_problems(password: str, username: str | None = None, prof: Profile | None = None):
    """Return the reasons (translated) why ``password`` is not acceptable; empty when it is."""
    prof = prof or profile()
    problems = []
    if len(password) < prof.min_length:
        problems.append(_("Use at least %(n)d characters.", n=prof.min_length))
    if len(password) > MAX_LENGTH:
        problems.append(_("Use at most %(n)d characters.", n=MAX_LENGTH))
    if prof.min_classes and character_classes(password) < prof.min_classes:
        problems.append(
            _(
                "Use at least %(n)d of: lower-case letters, upper-case letters, digits, symbols.",
                n=prof.min_classes,
            )
        )
    if prof.reject_common and password.lower() in common_passwords():
        problems.append(_("This password is too common; choose another."))
    if username and username.lower() in password.lower():
        problems.append(_("The password must not contain the user name."))
    return problems


def hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(
        time_cost=cfg["ARGON2_TIME_COST"],
        memory_cost=cfg["ARGON2_MEMORY_KIB"],
        parallelism=cfg["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    return hasher().hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists: pass ``None`` for an unknown user."""
    ph = hasher()
    if stored_hash is None:
        # Spend the same time as a real verification so response times do not reveal users.
        with contextlib.suppress(VerificationError, InvalidHashError):
            ph.verify(_dummy_hash(ph), password + "x")
        return False
    try:
        return ph.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY = {}


def _dummy_hash(ph: PasswordHasher) -> str:
    key = (ph.time_cost, ph.memory_cost, ph.parallelism)
    if key not in _DUMMY:
        _DUMMY[key] = ph.hash("caseflow-dummy-password")
    return _DUMMY[key]
