"""Personal data: masking for display. (Encryption and keyed hashes of ID numbers arrive with the
subsidy claims; see DOMAIN.md §5.)"""


def mask_name(name: str | None) -> str:
    """``张三丰`` → ``张*丰``, ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧**娜``."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_id_number(number: str | None) -> str:
    """First 6 and last 4 characters shown: ``510104********123X``."""
    number = (number or "").strip()
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


MASKS = {"name": mask_name, "id_number": mask_id_number}


def mask(value, how: str | None):
    if how is None or value is None:
        return value
    return MASKS[how](str(value))
