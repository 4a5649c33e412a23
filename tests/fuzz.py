"""Hypothesis profiles: "quick" (the default, for make unit) and "full" (make test's budget)."""

from __future__ import annotations

from hypothesis import HealthCheck, settings

# Under the quick profile a property test runs at most this many examples (Hypothesis's own
# default): enough to catch a broken property at once, while make test runs each full budget.
QUICK_EXAMPLES = 100

# No timing assumptions: neither a deadline per example nor the health check that fails a test
# whose data is slow to generate, since both fire on a busy machine, not on a wrong property.
NO_TIMING = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("full", NO_TIMING)
settings.register_profile("quick", NO_TIMING, max_examples=QUICK_EXAMPLES)
settings.load_profile("quick")


def examples(full: int) -> int:
    """A property test's budget: ``full`` under the full profile, else the quick profile's cap."""
    if settings.get_current_profile_name().startswith("full"):
        return full
    quick = settings.get_profile(settings.get_current_profile_name()).max_examples
    return min(full, quick)
