"""Codes that modules low in the import graph need without importing the models package
(``caseflow.roles`` is imported by ``caseflow.models.users``)."""

PROVINCE_CODE = "510000"  # 四川省 (GB/T 2260)
