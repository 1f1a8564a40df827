"""Import of configuration items from CSV or XLSX: Khusela's template, or a plain asset export of
Snipe-IT or GLPI. All or nothing, like the other imports (app.common.imports).

A row whose tag Khusela has updates that item, any other row creates one, so importing the same
file twice changes nothing the second time. A column the file does not have keeps what Khusela
holds; an empty cell in a column it has clears that value (the type and status of an existing
item stay).

Built for inventories of tens of thousands of items (50,000 rows in well under 15 s on SQLite):
what the rows name is loaded once (_Lookups), every row is checked in Python with the same rules
as the forms (services.check_item, answered from those maps), and only then are the items written
with a few bulk INSERT/UPDATE statements and their audit entries appended in one go
(audit.record_many), all in the one transaction run_import() commits or rolls back.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import sqlalchemy as sa
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from app.assets import services
from app.assets.models import Asset, AssetKind, DeviceProfile, Lifecycle, LinkSpeed, SiteType, search_text_of
from app.assets.products.models import Product
from app.assets.services import ASSET_AUDIT_FIELDS, AssetInput
from app.audit import services as audit
from app.audit.actions import AuditAction
from app.audit.services import PendingEntry
from app.auth.models import Department, User
from app.common import imports
from app.common.imports import ImportColumn, ImportReport, RowOutcome, cell_text, header_cell, key, run_import
from app.common.models import rows_matched, table_of
from app.common.tabular import Problem, TableRow, read_date
from app.common.timeutil import local_today, utcnow
from app.extensions import db

# A file above this is refused while it is read, before its rows are held in memory.
MAX_IMPORT_ROWS = 100_000
# The web flow checks the file, then imports it again on confirming, each inside one request:
# 20,000 rows take about 3 s as CSV and 8 s as XLSX (reading the workbook is most of it).
WEB_MAX_IMPORT_ROWS = 20_000
SHEET_NAME = "Items"
# Tags per query when loading the items a file updates: well under SQLite's 32,766 bound parameters.
TAGS_PER_QUERY = 5_000

COLUMNS = [
    ImportColumn("Tag", "The asset tag or CI number (up to 64 letters, digits, spaces and . _ / # : -). A tag "
                 "Khusela has updates that item; a new one creates an item.", "DOH-PC-00412", required=True,
                 aliases=("Asset tag", "Asset tag number", "CI number", "Inventory number", "Asset number")),
    ImportColumn("Name", "What the item is called.", "Reception PC, Tygerberg clinic", required=True,
                 aliases=("Asset name", "Item name", "Item")),
    ImportColumn("Type", "Desktop, Laptop, Server, Network device, Mobile, Software, Application, Service, "
                 "Information asset or Site. Inventory categories are read too: Switch, Router, Firewall and "
                 "Access point are network devices; Mobile phone, Smartphone and Tablet are mobile; Workstation "
                 "is a desktop; Notebook a laptop. Empty: unchanged (a new item needs one).", "Desktop",
                 aliases=("Kind", "Category", "Asset type", "Item type"),
                 choices=lambda: _kind_words()),
    ImportColumn("Status", "Planned, Ordered, In use, In repair, Retired or Disposed. Snipe-IT and GLPI status "
                 "words are read too: Deployed, Ready to deploy and In stock are in use; Pending is planned; "
                 "Out for repair and Broken are in repair; Archived and Lost/stolen are retired; Scrapped is "
                 "disposed. Empty: In use for a new item, unchanged for an existing one.", "In use",
                 aliases=("Lifecycle", "Lifecycle status", "Status label", "State"),
                 choices=lambda: _status_words()),
    ImportColumn("Owner", "The owner's sign-in e-mail address; a new owner must be an active user.",
                 "owner@example.gov.za", aliases=("Owner e-mail", "Owner email", "Asset owner")),
    ImportColumn("Custodian", "Who looks after it day to day (a team or a person).", "ICT Operations",
                 aliases=("Checked out to", "Group in charge of the hardware", "Responsible")),
    ImportColumn("Department", "The department's code (or its full name).", "DOH",
                 aliases=("Department code", "Dept"), choices=imports.department_words),
    ImportColumn("Site", "Where it is: the tag (or the name) of an item of type Site, in Khusela or in this "
                 "file.", "DOH-SITE-TYG", aliases=("Location", "Site tag"), choices=lambda: _site_words()),
    ImportColumn("Classification", "A classification from the settings (Public, Internal, Restricted, "
                 "Confidential, Secret by default).", "Internal",
                 aliases=("Information classification", "Security classification"),
                 choices=lambda: _classification_words()),
    ImportColumn("Confidentiality", "Rated 1 (lowest) to 5 (highest).", "2"),
    ImportColumn("Integrity", "Rated 1 (lowest) to 5 (highest).", "2"),
    ImportColumn("Availability", "Rated 1 (lowest) to 5 (highest).", "3"),
    ImportColumn("Business impact", "Rated 1 (lowest) to 5 (highest).", "3", aliases=("Criticality",)),
    ImportColumn("Manufacturer", "Who made it.", "Dell", aliases=("Make", "Vendor")),
    ImportColumn("Model", "The hardware model.", "OptiPlex 7010", aliases=("Model name",)),
    ImportColumn("Serial", "The serial number.", "7XK2M5J", aliases=("Serial number", "Serial no", "S/N")),
    ImportColumn("Product", "The operating system or product, from the product lifecycle list, with its version "
                 "here or in the Version column. A full name such as “Microsoft Windows 7 Professional” is "
                 "matched to the listed product and version it starts with (edition words are skipped).",
                 "Microsoft Windows", aliases=("Operating system", "OS", "Operating system - Name", "OS name")),
    ImportColumn("Version", "The product's version, when the Product column names only the product.", "7",
                 aliases=("OS version", "Operating system - Version", "Product version")),
    ImportColumn("Purchase date", "YYYY-MM-DD, DD/MM/YYYY or a date cell; not after today.", "2013-05-02",
                 aliases=("Purchased on", "Date of purchase", "Acquisition date"), date=True),
    ImportColumn("End of support", "This item's own end-of-support date (YYYY-MM-DD or DD/MM/YYYY). Empty: its "
                 "product's applies.", "2023-01-10", aliases=("End of support date", "Support ends"), date=True),
    ImportColumn("Device profile", "The code of a profile in the device profile catalogue, such as SITA's PC3, "
                 "PC4 or Note4. Empty: none.", "PC3", aliases=("Profile",)),
    ImportColumn("IP address", "An IPv4 or IPv6 address.", "10.12.4.20", aliases=("IP", "Network ports - IP")),
    ImportColumn("Hostname", "The host name.", "doh-pc-00412.wcg.gov.za",
                 aliases=("Host name", "FQDN", "DNS name", "Computer name")),
    ImportColumn("Notes", "Anything else worth knowing.", "Replaced its hard disk in 2024.",
                 aliases=("Note", "Comments", "Comment")),
    ImportColumn("Site type", "Sites only: Corporate site, Health facility, School, Library, Access centre or "
                 "Other.", "Health facility", choices=lambda: _site_type_words()),
    ImportColumn("Link speed", "Sites only: 10 Mbps, 100 Mbps, 1 Gbps or 10 Gbps.", "100 Mbps",
                 aliases=("WAN link speed", "Bandwidth"), choices=lambda: _link_speed_words()),
]
# Columns of Snipe-IT's and GLPI's asset exports that Khusela has no field for: read and left
# aside, so that a plain export imports without editing. Any other unknown column is refused.
SKIPPED_HEADERS = (
    "ID", "Company", "Model No.", "Model number", "Supplier", "Purchase cost", "Order number", "Warranty",
    "Warranty months", "Warranty expires", "EOL", "EOL date", "Asset EOL date", "Default location", "Checked out",
    "Expected checkin", "Last checkout", "Last audit", "Next audit date", "Created at", "Updated at",
    "Current value", "Book value", "Depreciation", "Fully depreciated", "Username", "Employee no.", "Checkouts",
    "Checkins", "Requests", "Requestable", "BYOD", "Alt barcode",
    "Entity", "Last update", "Components - Processor", "Alternate username", "Alternate username number", "User",
    "Group", "Technician in charge of the hardware", "Operating system - Service pack",
    "Operating system - Architecture", "Operating system - Edition", "Last inventory date", "UUID",
    "End of support applying",  # Khusela's own download: the item's date, else its product's
)
SKIPPED_COLUMNS = [ImportColumn(header, "Not imported.", "") for header in SKIPPED_HEADERS]

FIELD_COLUMNS = {
    "tag": "Tag", "name": "Name", "kind": "Type", "status": "Status", "owner_id": "Owner",
    "custodian": "Custodian", "department_id": "Department", "site_id": "Site", "classification": "Classification",
    "confidentiality": "Confidentiality", "integrity": "Integrity", "availability": "Availability",
    "business_impact": "Business impact", "manufacturer": "Manufacturer", "model": "Model", "serial": "Serial",
    "product_id": "Product", "purchased_on": "Purchase date", "end_of_support_set": "End of support",
    "device_profile_id": "Device profile", "ip_address": "IP address", "hostname": "Hostname", "notes": "Notes",
    "site_type": "Site type", "link_speed": "Link speed",
}
TEXT_COLUMNS = {"Name": "name", "Custodian": "custodian", "Manufacturer": "manufacturer", "Model": "model",
                "Serial": "serial", "IP address": "ip_address",
                "Hostname": "hostname", "Notes": "notes"}
RATING_COLUMNS = {"Confidentiality": "confidentiality", "Integrity": "integrity", "Availability": "availability",
                  "Business impact": "business_impact"}

# Words of Khusela and of inventory tools (Snipe-IT categories, GLPI types), matched after key().
KIND_WORDS = {
    **{kind.value.replace("_", " "): kind.value for kind in AssetKind},
    "desktop computer": "desktop", "workstation": "desktop", "pc": "desktop", "all-in-one": "desktop",
    "notebook": "laptop", "portable": "laptop", "virtual machine": "server", "vm": "server",
    "network": "network_device", "networking": "network_device", "network equipment": "network_device",
    "switch": "network_device", "router": "network_device", "firewall": "network_device",
    "access point": "network_device", "wireless access point": "network_device",
    "mobile phone": "mobile", "phone": "mobile", "smartphone": "mobile", "cell phone": "mobile",
    "cellphone": "mobile", "tablet": "mobile", "information": "information_asset", "location": "site",
}
STATUS_WORDS = {
    **{status.value.replace("_", " "): status.value for status in Lifecycle},
    "pending": "planned", "on order": "ordered", "deployed": "in_use", "ready to deploy": "in_use",
    "deployable": "in_use", "in stock": "in_use", "active": "in_use", "in service": "in_use",
    "production": "in_use", "out for repair": "in_repair", "out for diagnostics": "in_repair",
    "broken": "in_repair", "repair": "in_repair", "maintenance": "in_repair", "archived": "retired",
    "decommissioned": "retired", "lost/stolen": "retired", "lost": "retired", "stolen": "retired",
    "broken - not fixable": "retired", "scrapped": "disposed", "destroyed": "disposed", "sold": "disposed",
    "donated": "disposed", "recycled": "disposed",
}
SITE_TYPE_WORDS = {**{key(kind.label): kind.value for kind in SiteType},
                   **{kind.value.replace("_", " "): kind.value for kind in SiteType}}
LINK_SPEED_WORDS = {**{key(speed.label): speed.value for speed in LinkSpeed},
                    **{key(speed.label).replace(" ", ""): speed.value for speed in LinkSpeed},
                    **{speed.value: speed.value for speed in LinkSpeed}}
KIND_NAMES = ", ".join(kind.label for kind in AssetKind)


def _labelled(words: dict[str, str], labels: type[AssetKind] | type[Lifecycle] | type[SiteType] | type[LinkSpeed]
              ) -> dict[str, str]:
    return {word: labels(value).label for word, value in words.items()}


def _kind_words() -> dict[str, str]:
    return _labelled(KIND_WORDS, AssetKind)


def _status_words() -> dict[str, str]:
    return _labelled(STATUS_WORDS, Lifecycle)


def _site_type_words() -> dict[str, str]:
    return _labelled(SITE_TYPE_WORDS, SiteType)


def _link_speed_words() -> dict[str, str]:
    return _labelled(LINK_SPEED_WORDS, LinkSpeed)


def _classification_words() -> dict[str, str]:
    return {key(label): label for label in services.classifications()}


def _site_words() -> dict[str, str]:
    sites = db.session.execute(sa.select(Asset.tag, Asset.name).where(Asset.kind == AssetKind.SITE))
    return {word: tag for tag, name in sites for word in (key(name), key(tag))}
# (header, field, words, what the message lists as accepted) of the columns that take a word.
FIXED_CHOICES = (
    ("Type", "kind", KIND_WORDS, KIND_NAMES),
    ("Status", "status", STATUS_WORDS, ", ".join(status.label for status in Lifecycle)),
)
CLEARABLE_CHOICES = (
    ("Site type", "site_type", SITE_TYPE_WORDS, ", ".join(kind.label for kind in SiteType)),
    ("Link speed", "link_speed", LINK_SPEED_WORDS, ", ".join(speed.label for speed in LinkSpeed)),
)


def import_assets(filename: str, data: bytes, *, actor: User, dry_run: bool,
                  max_rows: int = MAX_IMPORT_ROWS) -> ImportReport:
    """Read, check and apply the whole file in one transaction; commit only if every row is
    good and this is not a dry run."""
    def apply_rows(rows: list[TableRow], report: ImportReport) -> None:
        _Import(rows, report, actor).run()

    # No pause of the cycle collector: with a worker's settings (app/core/memory.py) it costs a
    # 50,000-row import about 1 s of 8, and pausing it would pause it for every thread of the process.
    return run_import(filename, data, columns=COLUMNS + SKIPPED_COLUMNS, sheet_name=SHEET_NAME,
                      max_rows=max_rows, what="items", entity_type="asset", apply_rows=apply_rows,
                      actor=actor, dry_run=dry_run)


# --- what the cells name, loaded once ------------------------------------------------------------


class _ProductMatcher:
    """Finds a product of the lifecycle list in what an inventory tool calls it: "Microsoft
    Windows" + "7", "Microsoft Windows 7 Professional", "Debian GNU/Linux 12 (bookworm)".
    The product's name must start the text; each word of its version must follow, in order, with
    edition words in between skipped ("22.04.3" is version 22.04). The longest match wins."""

    def __init__(self, products: list[tuple[int, str, str]]):
        self.exact = {(key(name), key(release)): id_ for id_, name, release in products}
        self.candidates = [(id_, _words(name), _words(release)) for id_, name, release in products]
        self.found: dict[tuple[str, str], int | None] = {}

    def match(self, product: str, version: str) -> int | None:
        if (product, version) not in self.found:
            self.found[(product, version)] = self._match(product, version)
        return self.found[(product, version)]

    def _match(self, product: str, version: str) -> int | None:
        if (key(product), key(version)) in self.exact:
            return self.exact[(key(product), key(version))]
        words = _words(f"{product} {version}")
        best, best_score = None, None
        for id_, name, release in self.candidates:
            if words[:len(name)] != name:
                continue
            fit = _release_fit(words[len(name):], release)
            if fit is None:
                continue
            score = (len(name) + len(release), *fit)
            if best_score is None or score > best_score:
                best, best_score = id_, score
        return best


def _words(text: str) -> list[str]:
    return re.sub(r"[,;()\[\]]", " ", text.casefold()).split()


def _release_fit(words: list[str], release: list[str]) -> tuple[int, int] | None:
    """(exact words, -skipped words) when every word of `release` is found in `words` in order."""
    position, exact, skipped = 0, 0, 0
    for part in release:
        while position < len(words) and not (words[position] == part or words[position].startswith(part + ".")):
            position, skipped = position + 1, skipped + 1
        if position == len(words):
            return None
        exact += words[position] == part
        position += 1
    return exact, -skipped


class _Classifications(dict):
    """key(label) -> label of the classifications in the settings."""

    @property
    def names(self) -> str:
        return ", ".join(self.values())


@dataclass
class _Lookups:
    """Everything the rows refer to, each loaded with one query (the items the file updates with
    one per TAGS_PER_QUERY tags)."""

    existing: dict[str, Any]  # tag -> the item's row of the asset table
    users: dict[str, tuple[int, bool]]  # e-mail (casefolded) -> (id, active)
    departments: dict[str, int]  # code or name (key) -> id
    products: _ProductMatcher
    product_end: dict[int, date | None]  # product id -> its end of support
    device_profiles: dict[str, int]  # key(code) -> id
    sites_by_tag: dict[str, int]
    sites_by_name: dict[str, list[tuple[int, str]]]  # key(name) -> [(id, tag)]
    not_sites: dict[str, str]  # tag -> kind of the items the Site column names that are not sites
    located: Counter  # site id -> how many items are at it now
    classifications: _Classifications

    @classmethod
    def load(cls, tags: list[str], site_texts: set[str]) -> _Lookups:
        users = db.session.execute(sa.select(User.email, User.id, User.active))
        departments = list(db.session.execute(sa.select(Department.id, Department.code, Department.name)))
        products = list(db.session.execute(sa.select(Product.id, Product.name, Product.release,
                                                     Product.end_of_support)))
        sites = list(db.session.execute(sa.select(Asset.id, Asset.tag, Asset.name).where(Asset.kind == AssetKind.SITE)))
        sites_by_name: dict[str, list[tuple[int, str]]] = {}
        for site in sites:
            sites_by_name.setdefault(key(site.name), []).append((site.id, site.tag))
        located = db.session.execute(sa.select(Asset.site_id, sa.func.count(Asset.id))
                                     .where(Asset.site_id.is_not(None)).group_by(Asset.site_id))
        return cls(
            existing=_existing_items(tags),
            not_sites=_not_sites(site_texts - {site.tag for site in sites}),
            users={email.casefold(): (id_, active) for email, id_, active in users},
            # A code wins over another department's name that happens to read the same.
            departments={**{key(d.name): d.id for d in departments}, **{key(d.code): d.id for d in departments}},
            products=_ProductMatcher([(p.id, p.name, p.release) for p in products]),
            product_end={p.id: p.end_of_support for p in products},
            device_profiles={key(code): id_ for id_, code in db.session.execute(
                sa.select(DeviceProfile.id, DeviceProfile.code))},
            sites_by_tag={site.tag: site.id for site in sites},
            sites_by_name=sites_by_name,
            located=Counter(dict(located.all())),
            classifications=_Classifications({key(label): label for label in services.classifications()}),
        )


EXISTING_COLUMNS = [table_of(Asset).c[name] for name in ("id", "version", *AssetInput.__dataclass_fields__)]


def _ids_by_tag(tags: list[str]) -> dict[str, int]:
    table = table_of(Asset)
    found: dict[str, int] = {}
    for start in range(0, len(tags), TAGS_PER_QUERY):
        statement = sa.select(table.c.tag, table.c.id).where(table.c.tag.in_(tags[start:start + TAGS_PER_QUERY]))
        found.update((tag, id_) for tag, id_ in db.session.execute(statement))
    return found


def _not_sites(tags: set[str]) -> dict[str, str]:
    table, ordered = table_of(Asset), sorted(tags)
    found: dict[str, str] = {}
    for start in range(0, len(ordered), TAGS_PER_QUERY):
        statement = sa.select(table.c.tag, table.c.kind).where(table.c.tag.in_(ordered[start:start + TAGS_PER_QUERY]))
        found.update((tag, kind) for tag, kind in db.session.execute(statement))
    return found


def _existing_items(tags: list[str]) -> dict[str, Any]:
    """The items the file names, locked on PostgreSQL until the import commits or rolls back so
    that no form saves one of them in between (SQLite lets one writer in at a time anyway)."""
    unique = sorted(set(tags))
    found: dict[str, Any] = {}
    for start in range(0, len(unique), TAGS_PER_QUERY):
        chunk = unique[start:start + TAGS_PER_QUERY]
        statement = sa.select(*EXISTING_COLUMNS).where(table_of(Asset).c.tag.in_(chunk)).with_for_update()
        found.update((row.tag, row) for row in db.session.execute(statement))
    return found


# --- one row -------------------------------------------------------------------------------------


@dataclass(eq=False)
class _Row:
    """One row of the file on its way to the database."""

    number: int
    tag: str
    existing: Any  # the item's stored row, or None for a new item
    data: AssetInput
    site_text: str | None = None  # the Site cell, resolved once every row's tag is known
    owner_text: str = ""
    inserted_id: int | None = None
    changes: dict = field(default_factory=dict)  # of an existing item: {field: [before, after]}
    problems: list[Problem] = field(default_factory=list)

    @property
    def item_id(self) -> int:
        """The stored item's id; a new one has a stand-in until it is inserted (-row number), so
        that the rules can check a site the same file creates."""
        if self.existing is not None:
            return self.existing.id
        return self.inserted_id if self.inserted_id is not None else -self.number

    def problem(self, column: str | None, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))


class _RowReader:
    """Turns one row's cells into an AssetInput, noting a Problem per cell it cannot read."""

    def __init__(self, row: TableRow, lookups: _Lookups):
        self.values, self.lookups = row.values, lookups

    def has(self, header: str) -> bool:
        return header in self.values

    def text(self, header: str) -> str:
        return cell_text(self.values.get(header))

    def read(self, target: _Row) -> None:
        base = _input_of(target.existing) if target.existing is not None else AssetInput(
            tag=target.tag, name="", kind="")
        values: dict[str, Any] = {"tag": target.tag}
        for header, name in TEXT_COLUMNS.items():
            if self.has(header):
                values[name] = self.text(header)
        for header, name in RATING_COLUMNS.items():
            if self.has(header):
                values[name] = self._rating(header, target)
        self._choices(values, target)
        self._people(values, target)
        if self.has("Product"):
            values["product_id"] = self._product(target)
        elif self.has("Version") and self.text("Version"):
            target.problem("Version", "A version needs the product it belongs to: add a Product column.")
        if self.has("Device profile"):
            values["device_profile_id"] = self._device_profile(target)
        for header, name in (("Purchase date", "purchased_on"), ("End of support", "end_of_support_set")):
            if self.has(header):
                values[name] = self._date(header, target)
        if self.has("Site"):
            target.site_text = self.text("Site")
        target.data = replace(base, **values)

    def _choices(self, values: dict, target: _Row) -> None:
        # An empty type or status leaves the item's as it is (a new item's status: in use).
        for header, name, words, accepted in FIXED_CHOICES:
            text = self.text(header) if self.has(header) else ""
            if text:
                values[name] = self._word(text, words, header, accepted, target)
        classifications = self.lookups.classifications
        for header, name, words, accepted in (*CLEARABLE_CHOICES, ("Classification", "classification",
                                                                   classifications, classifications.names)):
            if self.has(header):
                text = self.text(header)
                values[name] = self._word(text, words, header, accepted, target) if text else None

    @staticmethod
    def _word(text: str, words: dict[str, str], header: str, accepted: str, target: _Row) -> str | None:
        word = key(text).replace("_", " ")
        found = words.get(word) or words.get(word.removesuffix("s"))  # "Laptops", "Servers"
        if found is None:
            target.problem(header, f"“{text}” is not a {header.lower()} Khusela knows; use one of: {accepted}.")
        return found

    def _people(self, values: dict, target: _Row) -> None:
        if self.has("Owner"):
            email = target.owner_text = self.text("Owner")
            owner = self.lookups.users.get(email.casefold()) if email else None
            if email and owner is None:
                target.problem("Owner", f"No user signs in as “{email}”: create the account first, or leave the "
                                        "cell empty.")
            values["owner_id"] = owner[0] if owner else None
        if self.has("Department"):
            name = self.text("Department")
            department = self.lookups.departments.get(key(name)) if name else None
            if name and department is None:
                target.problem("Department", f"No department has the code or name “{name}”. Add it under "
                                             "Administration → Departments, or leave the cell empty.")
            values["department_id"] = department

    def _product(self, target: _Row) -> int | None:
        product, version = self.text("Product"), self.text("Version")
        if not product:
            if version:
                target.problem("Product", f"Version “{version}” of which product? Fill in the Product column.")
            return None
        found = self.lookups.products.match(product, version)
        if found is None:
            named = f"{product} {version}".strip()
            target.problem("Product", f"“{named}” is not in the product lifecycle list. Add it under Assets → "
                                      "Product lifecycle (with its end-of-support date), or leave the cell empty.")
        return found

    def _device_profile(self, target: _Row) -> int | None:
        code = self.text("Device profile")
        found = self.lookups.device_profiles.get(key(code)) if code else None
        if code and found is None:
            target.problem("Device profile", f"“{code}” is not in the device profile catalogue (Assets → Device "
                                             "profiles): give one of its codes, such as PC3.")
        return found

    def _rating(self, header: str, target: _Row) -> int | None:
        text = self.text(header)
        if not text:
            return None
        number = text.removesuffix(".0")
        if not number.isdigit() or not 1 <= int(number) <= 5:
            target.problem(header, f"“{text}” is not a rating: give a whole number from 1 (lowest) to 5 (highest).")
            return None
        return int(number)

    def _date(self, header: str, target: _Row) -> date | None:
        text = self.text(header)
        if not text:
            return None
        try:  # a numeric date of the file was read the way round its column shows (imports.run_import)
            return read_date(text)
        except ValueError as error:
            target.problem(header, str(error))
            return None


def _waits_for_its_site(row: _Row, inserted: dict[int, int]) -> bool:
    site_id = row.data.site_id
    return site_id is not None and site_id < 0 and site_id not in inserted


def _input_of(stored) -> AssetInput:
    return AssetInput(**{name: getattr(stored, name) for name in AssetInput.__dataclass_fields__})


def _audit_values(item) -> dict:
    """The audited fields as audit.diff() writes them: an item holds only text, numbers, None and dates."""
    values = {}
    for name in ASSET_AUDIT_FIELDS:
        value = getattr(item, name)
        values[name] = value.isoformat() if isinstance(value, date) else value
    return values


def _changes(before: dict, after: dict) -> dict:
    """audit.diff() of two _audit_values(): the same {field: [before, after]}, without its
    conversions of every value, which cost seconds over 50,000 items."""
    return {name: [before.get(name), after[name]] for name in sorted(after) if before.get(name) != after[name]}


# --- the import ----------------------------------------------------------------------------------


class _StateAfterImport:
    """services.ItemLookups answered as the CMDB will be once every row is written: a site the file
    creates is a site, one it turns into another type is not, and an item the file moves counts at
    its new site."""

    def __init__(self, rows: list[_Row], lookups: _Lookups):
        self.lookups = lookups
        self.kinds = dict.fromkeys(lookups.sites_by_tag.values(), AssetKind.SITE.value)
        self.kinds.update((row.item_id, row.data.kind) for row in rows)
        self.located = Counter(lookups.located)
        for row in rows:
            before = row.existing.site_id if row.existing is not None else None
            if before != row.data.site_id:
                self.located[before] -= 1
                self.located[row.data.site_id] += 1
        self.active_users = {id_ for id_, active in lookups.users.values() if active}
        self.department_ids = set(lookups.departments.values())

    def item_with_tag(self, tag: str) -> tuple[int, str, str] | None:
        found = self.lookups.existing.get(tag)
        return (found.id, found.name, found.kind) if found is not None else None

    def user_is_active(self, user_id: int) -> bool:
        return user_id in self.active_users

    def department_exists(self, department_id: int) -> bool:
        return department_id in self.department_ids

    def kind_of(self, asset_id: int) -> str | None:
        return self.kinds.get(asset_id)

    def product_exists(self, product_id: int) -> bool:
        return product_id in self.lookups.product_end

    def device_profile_exists(self, profile_id: int) -> bool:
        return profile_id in self.lookups.device_profiles.values()

    def items_at(self, site_id: int) -> int:
        return self.located[site_id]

    def classifications(self) -> list[str]:
        return list(self.lookups.classifications.values())


class _Import:
    """Reads every row, resolves the sites they name, checks every row, then writes them all."""

    def __init__(self, rows: list[TableRow], report: ImportReport, actor: User):
        self.table_rows, self.report, self.actor = rows, report, actor
        self.today = local_today()
        self.lookups = _Lookups.load([cell_text(row.values.get("Tag")) for row in rows],
                                     {cell_text(row.values.get("Site")) for row in rows} - {""})
        self.rows: list[_Row] = []
        self.row_by_tag: dict[str, _Row] = {}

    def run(self) -> None:
        self._read_rows()
        self._resolve_sites()
        self._check_rows()
        problems = [problem for row in self.rows for problem in row.problems]
        if problems:
            self.report.problems.extend(_unknown_products_first(problems))
            return
        self._write()

    def _read_rows(self) -> None:
        for table_row in self.table_rows:
            tag = cell_text(table_row.values.get("Tag"))
            # No data yet: _RowReader.read() below fills it in.
            row = _Row(table_row.number, tag, self.lookups.existing.get(tag), data=None)  # type: ignore[arg-type]
            first = self.row_by_tag.setdefault(tag, row)
            if first is not row and tag:
                row.problem("Tag", f"Tag {tag} is also in row {first.number}; an item can be in the file once.")
            _RowReader(table_row, self.lookups).read(row)
            self.rows.append(row)

    def _resolve_sites(self) -> None:
        self.file_sites_by_name: dict[str, list[_Row]] = {}
        for row in self.rows:
            if row.data.kind == AssetKind.SITE:
                self.file_sites_by_name.setdefault(key(row.data.name), []).append(row)
        for row in self.rows:
            if row.site_text is not None:
                row.data.site_id = self._site_id(row, row.site_text) if row.site_text else None

    def _site_id(self, row: _Row, text: str) -> int | None:
        in_file = self.row_by_tag.get(text)
        if in_file is row:
            row.problem("Site", f"{text} cannot be located at itself: give the tag of the site it is at.")
            return None
        if in_file is not None:
            return in_file.item_id
        if text in self.lookups.sites_by_tag:
            return self.lookups.sites_by_tag[text]
        if text in self.lookups.not_sites:
            kind = AssetKind(self.lookups.not_sites[text]).label.lower()
            row.problem("Site", f"{text} is a {kind}, not a site: give the tag of an item of type Site.")
            return None
        in_file_tags = {site.tag for site in self.file_sites_by_name.get(key(text), [])}
        named = [(site.item_id, site.tag) for site in self.file_sites_by_name.get(key(text), [])] + [
            (id_, tag) for id_, tag in self.lookups.sites_by_name.get(key(text), []) if tag not in in_file_tags]
        if len(named) == 1:  # an inventory tool's location names the site
            return named[0][0]
        if named:
            row.problem("Site", f"{len(named)} sites are called “{text}” ({', '.join(tag for _, tag in named)}): "
                                "give the site's tag instead.")
        else:
            row.problem("Site", f"No site has the tag or name “{text}”. Give the tag of an item of type Site, "
                                "in Khusela or in this file.")
        return None

    def _check_rows(self) -> None:
        state = _StateAfterImport(self.rows, self.lookups)
        for row in self.rows:
            reported = {problem.column for problem in row.problems}
            for name, message in services.check_item(row.data, row.existing, self.today, state):
                column = FIELD_COLUMNS.get(name) if name else None
                if column not in reported:
                    row.problem(column, _in_file_words(row, name, message))
            if row.existing is not None and not row.problems:
                row.changes = _changes(_audit_values(row.existing), _audit_values(row.data))

    # --- writing ---

    def _write(self) -> None:
        now, actor_id = utcnow(), getattr(self.actor, "id", None)
        self._insert([row for row in self.rows if row.existing is None], now, actor_id)
        if not self._update([row for row in self.rows if row.changes], now, actor_id):
            return
        self._record()

    def _insert(self, new: list[_Row], now, actor_id: int | None) -> None:
        """Insert the new items with a few multi-row INSERTs: a site the file creates before the
        items at it, whose stand-in site id then becomes the real one."""
        inserted: dict[int, int] = {}  # stand-in id -> id
        unplaced: list[_Row] = []
        waiting = new
        while waiting:
            ready = [row for row in waiting if not _waits_for_its_site(row, inserted)]
            if not ready:  # sites at each other in a loop (the rules allow it): placed once inserted
                ready = unplaced = waiting
            self._insert_rows(ready, inserted, ready is not unplaced, now, actor_id)
            waiting = [row for row in waiting if row.inserted_id is None]
        for row in self.rows:
            row.data.site_id = _placed(row.data.site_id, inserted)
        if unplaced:
            table = table_of(Asset)
            db.session.execute(table.update().where(table.c.id == sa.bindparam("item"))
                               .values(site_id=sa.bindparam("site")),
                               [{"item": row.inserted_id, "site": row.data.site_id} for row in unplaced])

    def _insert_rows(self, rows: list[_Row], inserted: dict[int, int], placed: bool, now, actor_id: int | None) -> None:
        table = table_of(Asset)
        values = []
        for row in rows:
            row.data.site_id = _placed(row.data.site_id, inserted)
            values.append({**self._columns(row.data), "site_id": row.data.site_id if placed else None,
                           "version": 1, "created_at": now, "updated_at": now, "created_by_id": actor_id,
                           "updated_by_id": actor_id})
        # A plain multi-row INSERT, then the ids by tag (unique): on SQLite that is faster than
        # RETURNING, which would insert them one at a time to return the ids in the rows' order.
        db.session.execute(table.insert(), values)
        ids = _ids_by_tag([row.data.tag.strip() for row in rows])
        for row in rows:
            row.inserted_id = ids[row.data.tag.strip()]
            inserted[-row.number] = row.inserted_id

    def _update(self, changed: list[_Row], now, actor_id: int | None) -> bool:
        """Each changed item, as long as nobody saved it since it was read (its version)."""
        if not changed:
            return True
        table = table_of(Asset)
        values = [{**self._columns(row.data), "version": row.existing.version + 1, "updated_at": now,
                   "updated_by_id": actor_id, "item": row.existing.id, "seen_version": row.existing.version}
                  for row in changed]
        statement = table.update().where(table.c.id == sa.bindparam("item"),
                                         table.c.version == sa.bindparam("seen_version"))
        updated = rows_matched(db.session.execute(statement, values))
        if db.engine.dialect.supports_sane_multi_rowcount and updated != len(values):
            self.report.problems.append(Problem(None, None, (
                "Someone saved some of these items while the file was being imported, so nothing was imported. "
                "Import the file again: it will be checked against their new values.")))
            return False
        return True

    def _columns(self, data: AssetInput) -> dict[str, Any]:
        values = {name: (value.strip() if isinstance(value, str) else value) for name, value in vars(data).items()}
        values["support_ends_on"] = (data.end_of_support_set if data.end_of_support_set is not None
                                     else self.lookups.product_end.get(data.product_id) if data.product_id is not None
                                     else None)
        values["search_text"] = search_text_of(values)
        return values

    def _record(self) -> None:
        """An audit entry per created or updated item, in the file's order, as the forms record them."""
        entries = []
        for row in self.rows:
            data = row.data
            if row.existing is None:
                entries.append(PendingEntry(AuditAction.CREATE, "asset", row.inserted_id,
                                            changes=_changes({}, _audit_values(data)),
                                            summary=f"Created {AssetKind(data.kind).label.lower()} {data.tag} "
                                                    f"{data.name}"[:300]))
                outcome = RowOutcome(row.number, data.tag, data.name, "create")
            elif row.changes:
                entries.append(PendingEntry(AuditAction.UPDATE, "asset", row.existing.id, changes=row.changes,
                                            summary=f"Edited {data.tag} {data.name}"[:300]))
                outcome = RowOutcome(row.number, data.tag, data.name, "update",
                                     changed=sorted({FIELD_COLUMNS[name] for name in row.changes}))
            else:
                outcome = RowOutcome(row.number, data.tag, data.name, "unchanged")
            self.report.outcomes.append(outcome)
        audit.record_many(entries, actor=self.actor)


def _placed(site_id: int | None, inserted: dict[int, int]) -> int | None:
    """The site's id, once a site the file creates (known by its stand-in id) is inserted."""
    return None if site_id is None else inserted.get(site_id, site_id)


def _in_file_words(row: _Row, name: str | None, message: str) -> str:
    """The forms' message where it fits a file, else one that says what to put in the cell."""
    if name == "site_id" and message.startswith("Choose"):
        return f"“{row.site_text}” is not a site: give the tag of an item of type Site."
    if name == "kind" and message.startswith("Choose"):
        return f"Give the type of the new item: one of {KIND_NAMES}."
    if name == "owner_id":
        return f"{row.owner_text} is no longer an active user: choose an active owner, or leave the cell empty."
    return message


def _unknown_products_first(problems: list[Problem]) -> list[Problem]:
    """Which products the lifecycle list lacks, once, before the rows that name them."""
    unknown = Counter(match.group(1) for problem in problems if problem.column == "Product"
                      and (match := re.match(r"“(.*)” is not in the product lifecycle list", problem.message)))
    if not unknown:
        return problems
    listed = "; ".join(f"{name} ({count} row{'s' if count > 1 else ''})" for name, count in unknown.most_common())
    return [Problem(None, "Product", f"Not in the product lifecycle list: {listed}. Add them under Assets → Product "
                                     "lifecycle, or leave those cells empty."), *problems]


# --- the template --------------------------------------------------------------------------------


def template_csv() -> bytes:
    return imports.template_csv(COLUMNS)


def template_xlsx() -> bytes:
    """An "Items" sheet to fill in (drop-down lists where the values are fixed), "Columns" saying
    what each column takes, and "Lists" with the types, statuses, classifications and departments."""
    workbook = Workbook()
    items = workbook.active
    items.title = SHEET_NAME
    list_ranges = imports.lists_sheet(workbook, _template_lists(), width=28)
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        header_cell(items, 1, index, column.header)
        items.column_dimensions[letter].width = 18
        if column.header in list_ranges:  # a department's name or an inventory tool's word is read too
            imports.add_list_check(items, letter, list_ranges[column.header], MAX_IMPORT_ROWS)
    items.freeze_panes = "C2"
    imports.add_guide_sheet(workbook, COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _template_lists() -> dict[str, list[str]]:
    return {
        "Type": [kind.label for kind in AssetKind],
        "Status": [status.label for status in Lifecycle],
        "Classification": services.classifications(),
        "Department": list(db.session.scalars(sa.select(Department.code).where(Department.active.is_(True))
                                              .order_by(Department.code))),
        "Site type": [kind.label for kind in SiteType],
        "Link speed": [speed.label for speed in LinkSpeed],
    }
