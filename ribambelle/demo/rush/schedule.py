"""When each parent arrives, and which cells each one ticks: both seeded, so that a run can be
replayed exactly."""

import random


def arrivals(parents: int, seconds: float, seed: int) -> list[float]:
    """Arrival times, in seconds from the start, of a Poisson process that brings exactly
    `parents` parents within `seconds`: given the count, the arrival times of a Poisson process
    are uniform and independent, so they are sorted uniform draws (the gaps between them are
    close to exponential, with mean seconds / parents). Always within [0, seconds)."""
    if parents < 0 or seconds <= 0:
        raise ValueError("parents must be >= 0 and seconds > 0")
    rng = random.Random(f"arrivals:{seed}")
    return sorted(rng.random() * seconds for _ in range(parents))


def cells_to_toggle(editable: list[str], count: int, seed: int, parent: int) -> list[str]:
    """The cells one parent ticks or unticks, distinct, in the order clicked."""
    rng = random.Random(f"cells:{seed}:{parent}")
    return rng.sample(sorted(editable), min(count, len(editable)))


def sample(population: list[int], count: int, seed: int) -> list[int]:
    """Which households take part (distinct, in a stable order)."""
    rng = random.Random(f"households:{seed}")
    return rng.sample(sorted(population), count)
