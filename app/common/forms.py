"""Form fields and filters that the forms of several packages share."""

from __future__ import annotations

from datetime import date

from wtforms import DateField, SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget


def strip(value):
    """A field filter: text without the spaces around it (pasted values often carry them)."""
    return value.strip() if isinstance(value, str) else value


class IsoDateField(DateField):
    """A date (the browser's date picker sends YYYY-MM-DD) with a message a person can act on."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(f"“{valuelist[0]}” is not a date; enter it as YYYY-MM-DD, like 2026-03-31.") from None


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes rather than a multi-select box."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()
