"""Pages anyone may read without logging in (blueprint ``public``): public notices and
objections (``routes.py``) and the school registry (``schools.py``)."""

from caseflow.public import routes, schools  # noqa: F401  (register the views on the blueprint)
