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
    """``tail_density``: share of long-tail products in user-writable folders; ``hard_negative_scale``:
    multiplier of the hard-negative counts; ``attack_hosts_max``: most hosts one malicious binary reaches;
    ``campaign_probability``: chance that an attack is a campaign; ``developer_builds_per_day``: builds a
    test-signing developer runs per project and weekday (each one a new hash); ``careful_attacks``: share of
    the attacks under a vendor's or a front company's certificate that pass for its owner's own software
    (:mod:`~codesign_prevalence.simulator.attacks`). ``regime`` in [0, 1] is the
    fleet's place between sparse (0) and dense (1); knobs marked ``follows_regime`` are drawn near it."""

    tail_density: float
    hard_negative_scale: float
    campaign_probability: float
    attack_hosts_max: int = 8
    regime: float = 0.5
    developer_builds_per_day: float = 0.3
    careful_attacks: float = 0.0

    @classmethod
    def draw(cls, seed: int, data: ScenarioData | None = None) -> FleetProfile:
        ranges = (data or scenario_data()).profile
        rng = random.Random(f"{seed}|profile")
        regime = rng.random()

        def draw(bounds: Range) -> float:
            if bounds.follows_regime:
                position = min(1.0, max(0.0, regime + rng.gauss(0.0, ranges.regime_jitter)))
            else:
                position = rng.random()
            if bounds.log:
                return math.exp(math.log(bounds.low) + position * (math.log(bounds.high) - math.log(bounds.low)))
            return bounds.low + position * (bounds.high - bounds.low)

        return cls(
            tail_density=draw(ranges.tail_density),
            hard_negative_scale=draw(ranges.hard_negative_scale),
            campaign_probability=draw(ranges.campaign_probability),
            attack_hosts_max=round(draw(ranges.attack_hosts_max)),
            regime=regime,
            developer_builds_per_day=draw(ranges.developer_builds_per_day),
            careful_attacks=draw(ranges.careful_attacks),
        )


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's product of uniforms: the means here are a few units)."""
    limit, product, count = math.exp(-mean), rng.random(), 0
    while product > limit:
        product *= rng.random()
        count += 1
    return count


def scaled_count(per_100_hosts: float, hosts: int, scale: float, minimum: int, rng: random.Random) -> int:
    """A count proportional to the fleet size and the profile's scale, rounded at random, at least ``minimum``."""
    expected = per_100_hosts * hosts / 100 * scale
    whole = int(expected)
    return max(minimum, whole + (rng.random() < expected - whole))
