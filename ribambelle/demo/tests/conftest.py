import pytest
import time_machine

from ribambelle.bookings.tests.conftest import NOW


@pytest.fixture
def frozen():
    """The bookings tests' clock (Monday 23 November 2026, 09:00 in Paris), still ticking."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller
