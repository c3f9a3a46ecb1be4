"""Administrative regions (行政区划, GB/T 2260). Rows are loaded by a migration."""

from caseflow.codes import PROVINCE_CODE  # noqa: F401  (re-exported)
from caseflow.extensions import db


class Region(db.Model):
    __tablename__ = "regions"

    code = db.Column(db.String(6), primary_key=True)
    name_zh = db.Column(db.String(40), nullable=False)
    name_en = db.Column(db.String(60), nullable=False)
    level = db.Column(db.String(10), nullable=False)  # province | city
    parent_code = db.Column(db.String(6), db.ForeignKey("regions.code"), nullable=True)

    __table_args__ = (db.CheckConstraint("level in ('province', 'city')", name="level"),)

    @property
    def is_province(self) -> bool:
        return self.level == "province"

    def name(self, locale: str) -> str:
        return self.name_en if locale.startswith("en") else self.name_zh

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name_zh}>"
