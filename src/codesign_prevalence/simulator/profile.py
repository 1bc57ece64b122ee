"""The per-fleet profile: knobs drawn once from the seed, so that seeds span easy and hard regimes.

The ranges live in ``data/scenarios.yaml`` (section ``profile``).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from codesign_prevalence.simulator.datafiles import Range, ScenarioData, scenario_data


@dataclass(frozen=True, slots=True)
class FleetProfile:
    """``tail_density``: share of rare long-tail products in user-writable folders; ``hard_negative_scale``:
    multiplier of the hard-negative counts; ``campaign_probability``: chance that an attack is a campaign."""

    tail_density: float
    hard_negative_scale: float
    campaign_probability: float

    @classmethod
    def draw(cls, seed: int, data: ScenarioData | None = None) -> FleetProfile:
        ranges = (data or scenario_data()).profile
        rng = random.Random(f"{seed}|profile")
        return cls(
            tail_density=_draw(rng, ranges.tail_density),
            hard_negative_scale=_draw(rng, ranges.hard_negative_scale),
            campaign_probability=_draw(rng, ranges.campaign_probability),
        )


def _draw(rng: random.Random, bounds: Range) -> float:
    if bounds.log:
        return math.exp(rng.uniform(math.log(bounds.low), math.log(bounds.high)))
    return rng.uniform(bounds.low, bounds.high)


def scaled_count(per_100_hosts: float, hosts: int, scale: float, minimum: int, rng: random.Random) -> int:
    """A count proportional to the fleet size and the profile's scale, rounded at random, at least ``minimum``."""
    expected = per_100_hosts * hosts / 100 * scale
    whole = int(expected)
    return max(minimum, whole + (rng.random() < expected - whole))
