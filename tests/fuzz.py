"""Hypothesis profiles: "quick" (the default, for make unit) and "full" (make test's budget)."""

from __future__ import annotations

from hypothesis import settings

# Under the quick profile a property test runs at most this many examples (Hypothesis's own
# default): enough to catch a broken property at once, while make test runs each full budget.
QUICK_EXAMPLES = 100

settings.register_profile("full", deadline=None)
settings.register_profile("quick", deadline=None, max_examples=QUICK_EXAMPLES)
settings.load_profile("quick")


def examples(full: int) -> int:
    """A property test's budget: ``full`` under the full profile, else the quick profile's cap."""
    if settings.get_current_profile_name().startswith("full"):
        return full
    quick = settings.get_profile(settings.get_current_profile_name()).max_examples
    return min(full, quick)
