"""A training budget counted in optimizer steps or in wall-clock minutes, with a tqdm bar.

Shared by the torch trainer (:mod:`rnnkit.charlm.train`) and post 003's numpy baseline
(:mod:`rnnkit.charlm.numpy_baseline`), so both spend a "10-minute budget" the same way:
only the time spent in training steps counts, not held-out evaluation.
"""
from __future__ import annotations

from rnnkit.checks import check_int, check_real


class Budget:
    """``steps`` optimizer steps or ``minutes`` of training time (give exactly one).

    Use as ``while budget.left(): ...; budget.tick(seconds_of_this_step)``.
    ``budget.fraction`` (0 → 1) drives learning-rate schedules.
    """

    def __init__(self, *, steps=None, minutes=None, progress=True):
        if (steps is None) == (minutes is None):
            raise ValueError(f"give exactly one of steps and minutes, got steps={steps!r}, minutes={minutes!r}")
        self.by_steps = steps is not None
        if self.by_steps:
            steps = check_int("steps", steps, 1)
        else:
            minutes = check_real("minutes", minutes, 0, open_low=True)
        self.total = steps if self.by_steps else 60.0 * minutes
        self.step, self.seconds = 0, 0.0
        self.bar = None
        if progress:
            from tqdm.auto import tqdm
            self.bar = tqdm(total=self.total, unit="step" if self.by_steps else "s", leave=False,
                            bar_format=None if self.by_steps else
                            "{l_bar}{bar}| {n:.0f}/{total:.0f} s{postfix}")

    @property
    def used(self):
        """Steps taken (step budget) or seconds spent (time budget)."""
        return self.step if self.by_steps else self.seconds

    @property
    def fraction(self) -> float:
        """Share of the budget used, in [0, 1]."""
        return min(self.used / self.total, 1.0)

    def left(self) -> bool:
        return self.used < self.total

    def tick(self, seconds: float) -> None:
        """Count one finished step that took ``seconds``."""
        before = self.used
        self.step += 1
        self.seconds += seconds
        if self.bar is not None:
            self.bar.update(min(self.used, self.total) - min(before, self.total))

    def show(self, **values) -> None:
        """Show ``values`` (e.g. train/valid bpc) beside the bar."""
        if self.bar is not None:
            self.bar.set_postfix(**values)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
