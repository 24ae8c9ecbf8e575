"""What an experiment is: a grid of independent units, claims checked on their rows, a figure.

An experiment module defines one `Experiment` named `EXPERIMENT`. Running it (see
`curse_of_memory.runner.sweep`) means:

1. `settings(profile, ...)`: the profile's typed `Settings` with the user's overrides, the
   seed and the `as_published` switch, checked before anything is written;
2. `units(settings)`: JSON-able configurations of independent pieces of work (an ensemble of
   training runs, a Monte Carlo estimate...), each complete enough to run on its own, on
   another process or on a Ray worker;
3. `run_unit(config, progress)`: returns tidy rows (dicts of scalars, strings or lists of
   floats); `progress(fraction)` may be called as the unit advances;
4. `claims(rows, settings)`: the paper's claims as `Claim`s measured on the rows;
5. `figure(rows, settings, path)`: draws the figure as PNG at `path` (and SVG beside it, which
   `harness.plotting.save` does).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from curse_of_memory.errors import ConfigError
from curse_of_memory.harness.claims import Claim
from curse_of_memory.harness.settings import PROFILES, Settings, replace

Rows = list[dict[str, Any]]


@dataclass(frozen=True)
class Experiment:
    """A reproduced figure or study. `profiles` maps "quick" and "full" to typed settings;
    `validate` checks what the settings alone cannot (e.g. that a user's layer runs)."""

    id: str
    paper: str
    figure_label: str
    description: str
    profiles: Mapping[str, Settings]
    minutes: Mapping[str, float]
    units: Callable[[Any], list[dict[str, Any]]]
    run_unit: Callable[[dict[str, Any], Callable[[float], None]], Rows]
    claims: Callable[[Rows, Any], list[Claim]]
    figure: Callable[[Rows, Any, Any], None]
    validate: Callable[[Any], None] = lambda settings: None
    default_seed: int = 0
    has_as_published: bool = False
    notes: str = ""

    def __post_init__(self):
        if set(self.profiles) != set(PROFILES):
            raise TypeError(f"{self.id}: profiles must be {PROFILES}, got {list(self.profiles)}")

    def settings(
        self,
        profile: str,
        *,
        seed: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        as_published: bool = False,
    ) -> Settings:
        """The profile's settings with overrides applied, checked."""
        if profile not in self.profiles:
            raise ConfigError(f"profile must be one of {list(self.profiles)}, got {profile!r}")
        if as_published and not self.has_as_published:
            raise ConfigError(f"{self.id} has no as-published variant")
        overrides = dict(overrides or {})
        for fixed in ("profile", "seed", "as_published"):
            if fixed in overrides:
                raise ConfigError(f"{fixed} is not set with --set (use --profile, --seed, --as-published)")
        try:
            settings = replace(self.profiles[profile], overrides)
            settings = replace(
                settings,
                {"profile": profile, "as_published": as_published, "seed": self.default_seed if seed is None else seed},
            )
            self.validate(settings)
        except ConfigError as error:
            raise ConfigError(f"{self.id}: {error}") from None
        return settings

    def overrides(self, settings: Settings) -> dict[str, Any]:
        """The settings that differ from their profile's (what `--set` changed), as JSON."""
        profile = self.profiles[settings.profile].to_json()
        fixed = ("profile", "seed", "as_published")
        return {k: v for k, v in settings.to_json().items() if k not in fixed and v != profile[k]}
