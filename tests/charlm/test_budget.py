import pytest

from rnnkit.charlm.budget import Budget


def test_step_budget_counts_steps_not_time():
    b = Budget(steps=3, progress=False)
    seen = []
    while b.left():
        seen.append(b.fraction)
        b.tick(100.0)                      # time does not matter for a step budget
    assert seen == [0.0, 1 / 3, 2 / 3] and b.step == 3 and b.fraction == 1.0


def test_time_budget_counts_training_seconds():
    b = Budget(minutes=0.05, progress=False)   # 3 s
    n = 0
    while b.left():
        b.tick(0.7)
        n += 1
    assert n == 5 and b.seconds == pytest.approx(3.5) and b.fraction == 1.0


@pytest.mark.parametrize("kw, msg", [
    (dict(), "exactly one of steps and minutes"),
    (dict(steps=1, minutes=1), "exactly one"),
    (dict(steps=0), "steps must be an integer >= 1"),
    (dict(steps=True), "steps must be an integer >= 1"),
    (dict(minutes=-1), "minutes must be a finite number > 0"),
    (dict(minutes="10"), "minutes must be a finite number > 0"),
    (dict(minutes=float("inf")), "minutes must be a finite number > 0"),
])
def test_bad_budgets(kw, msg):
    with pytest.raises(ValueError, match=msg):
        Budget(progress=False, **kw)
