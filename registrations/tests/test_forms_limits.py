"""The pages' forms stop where the columns do: an absurd number is a field error, not a 500."""

from registrations.choices import Section
from registrations.forms import HandoverItemForm
from registrations.models import QUANTITY_MAX


def test_an_acceptance_items_count_stops_at_the_columns_range():
    data = {"section": Section.values[0], "name": "钥匙", "quantity": QUANTITY_MAX + 1}
    form = HandoverItemForm(data)
    assert not form.is_valid() and "quantity" in form.errors
    data["quantity"] = QUANTITY_MAX
    assert HandoverItemForm(data).is_valid()
