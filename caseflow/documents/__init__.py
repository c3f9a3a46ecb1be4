"""Numbered official documents (文书). Being built: see issue 4 §9."""


def issue(case, kind, event, ctx):
    raise NotImplementedError(kind)
