"""Validators for identifiers used across caseflow."""

# GB 32100-2015 统一社会信用代码: 18 characters from this 31-character set (no I, O, Z, S, V).
CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_credit_code(value: str) -> str:
    return (value or "").strip().upper()


def credit_code_problem(value: str) -> str | None:
    """Return ``None`` when ``value`` is a valid unified social credit code, else why not."""
    code = normalise_credit_code(value)
    if len(code) != 18:
        return "length"
    if any(c not in CREDIT_CODE_CHARS for c in code):
        return "characters"
    if not code[2:8].isdigit():
        return "region"
    if code[17] != credit_code_check_char(code[:17]):
        return "check"
    return None


def is_valid_credit_code(value: str) -> bool:
    return credit_code_problem(value) is None


def credit_code_check_char(first17: str) -> str:
    """The check character for the 17 leading characters."""
    weighted = zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    total = sum(CREDIT_CODE_CHARS.index(c) * w for c, w in weighted)
    return CREDIT_CODE_CHARS[(31 - total % 31) % 31]
