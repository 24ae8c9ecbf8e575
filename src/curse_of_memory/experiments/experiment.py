"""What an experiment is: a grid of independent units, claims checked on their rows, a figure.

An experiment module defines one `Experiment` named `EXPERIMENT`. Running it (see
`curse_of_memory.sweep`) means:

1. `settings`: the chosen profile's values, with user overrides, the seed and the
   `as_published` switch, checked by `validate` before anything is written;
2. `units(settings)`: JSON-able configurations of independent pieces of work (an ensemble of
   training runs, a Monte Carlo estimate...), each complete enough to run on its own, on
   another process or on a Ray worker;
3. `run_unit(config, progress)`: returns tidy rows (dicts of scalars, strings or lists of
   floats); `progress(fraction)` may be called as the unit advances;
4. `claims(rows, settings)`: the paper's claims as `Claim`s measured on the rows;
5. `figure(rows, settings, path)`: draws the figure.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Callable, Mapping

from curse_of_memory.errors import ConfigError

PROFILES = ("quick", "full")

Rows = list[dict[str, Any]]
Settings = dict[str, Any]


@dataclass(frozen=True)
class Claim:
    """One checked claim: what is claimed, the expectation, the measurement, the verdict."""

    claim: str
    expected: str
    measured: str
    passed: bool

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Experiment:
    id: str
    paper: str
    figure_label: str
    description: str
    profiles: Mapping[str, Settings]
    minutes: Mapping[str, float]
    units: Callable[[Settings], list[dict[str, Any]]]
    run_unit: Callable[[dict[str, Any], Callable[[float], None]], Rows]
    claims: Callable[[Rows, Settings], list[Claim]]
    figure: Callable[[Rows, Settings, Any], None]
    validate: Callable[[Settings], None] = lambda settings: None
    default_seed: int = 0
    has_as_published: bool = False
    notes: str = ""

    def settings(
        self,
        profile: str,
        *,
        seed: int | None = None,
        overrides: Mapping[str, Any] | None = None,
        as_published: bool = False,
    ) -> Settings:
        """The profile's settings with overrides applied, validated."""
        if profile not in self.profiles:
            raise ConfigError(f"profile must be one of {list(self.profiles)}, got {profile!r}")
        settings = dict(self.profiles[profile])
        for key, value in (overrides or {}).items():
            if key not in settings:
                raise ConfigError(
                    f"{self.id} has no setting {key!r}; its settings are {sorted(settings)}"
                )
            settings[key] = value
        if as_published and not self.has_as_published:
            raise ConfigError(f"{self.id} has no as-published variant")
        settings.update(
            profile=profile,
            seed=self.default_seed if seed is None else int(seed),
            as_published=as_published,
        )
        self.validate(settings)
        return settings
