"""The product lifecycle table. Configuration items (app.assets.models.Asset) name their product
and take its end-of-support date unless they have their own; the product knows nothing of them."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.common.models import Timestamped, Versioned
from app.extensions import Model


class Product(Model, Timestamped, Versioned):
    """A product and version with the vendor's end-of-support date: items inherit it unless set."""

    __tablename__ = "product"
    __table_args__ = (UniqueConstraint("name", "release"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))  # e.g. "Microsoft Windows"
    # The product's version, e.g. "7" or "2012 R2" ("version" is the record's own edit counter).
    release: Mapped[str] = mapped_column(String(60), default="")
    end_of_support: Mapped[date | None] = mapped_column(Date)  # None: not announced
    source: Mapped[str] = mapped_column(String(500), default="")  # where the date can be checked
    note: Mapped[str] = mapped_column(Text, default="")

    def __str__(self) -> str:
        return f"{self.name} {self.release}".strip()
