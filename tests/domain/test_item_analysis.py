"""Item analysis against a small example worked by hand."""

import pytest

from quizapp.domain.item_analysis import AttemptScores, analyse, choose_attempts

# Four attempts at a two-item test (item 1 and item 2, one point each):
#   attempt  item1  item2  total  rest-of-test for item 1 (= item2)
#   A        1      1      2      1
#   B        1      0      1      0
#   C        0      1      1      1
#   D        0      0      0      0
# Item 1: facility = 2/4 = 50 %. Marks x = (1,1,0,0), rest y = (1,0,1,0).
#   cov(x, y) = sum((x-.5)(y-.5)) / 3 = (.25 - .25 - .25 + .25) / 3 = 0 -> discrimination 0.
# Now make item 2 track the total better by adding attempt E: item1 1, item2 1.
#   x = (1,1,0,0,1), y = (1,0,1,0,1); mean x = .6, mean y = .6
#   sum((x-.6)(y-.6)) = (.16) + (-.24) + (-.24) + (.36) + (.16) = .2 -> cov = .2/4 = .05
#   var x = var y = (3*.16 + 2*.36)/4 = 1.2/4 = .3 -> discrimination = 100 * .05/.3 = 16.67
#   sorted x = (0,0,1,1,1), sorted y = (0,0,1,1,1): covmax = var = .3 -> efficiency 16.67
ATTEMPTS = [
    AttemptScores(1, 10, {1: 1, 2: 1}, {1: 1, 2: 1}, {1: "Paris", 2: "True"}),
    AttemptScores(2, 11, {1: 1, 2: 0}, {1: 1, 2: 1}, {1: "Paris", 2: "False"}),
    AttemptScores(3, 12, {1: 0, 2: 1}, {1: 1, 2: 1}, {1: "Lyon", 2: "True"}),
    AttemptScores(4, 13, {1: 0, 2: 0}, {1: 1, 2: 1}, {1: "Nice", 2: "False"}),
]


def test_no_correlation_gives_zero_discrimination():
    item1 = analyse([1], ATTEMPTS)[0]
    assert item1.facility == 50
    assert item1.discrimination == pytest.approx(0)
    assert item1.choice_counts == {"Paris": 2, "Lyon": 1, "Nice": 1}


def test_hand_computed_discrimination_and_efficiency():
    extra = [*ATTEMPTS, AttemptScores(5, 14, {1: 1, 2: 1}, {1: 1, 2: 1})]
    item1 = analyse([1], extra)[0]
    assert item1.facility == pytest.approx(60)
    assert item1.discrimination == pytest.approx(100 * 0.05 / 0.3)
    assert item1.efficiency == pytest.approx(100 * 0.05 / 0.3)


def test_efficiency_differs_when_distributions_differ():
    # x = (1,0,1), y = (2,2,0): cov = ((1/3)(2/3) + (-2/3)(2/3) + (1/3)(-4/3)) / 2 = -1/3
    # sorted x = (0,1,1), sorted y = (0,2,2): covmax = (-2/3*-4/3 + 1/3*2/3*2) / 2 = 2/3
    rows = [
        AttemptScores(1, 1, {1: 1, 2: 1, 3: 1}, {1: 1, 2: 1, 3: 1}),
        AttemptScores(2, 2, {1: 0, 2: 1, 3: 1}, {1: 1, 2: 1, 3: 1}),
        AttemptScores(3, 3, {1: 1, 2: 0, 3: 0}, {1: 1, 2: 1, 3: 1}),
    ]
    item1 = analyse([1], rows)[0]
    assert item1.efficiency == pytest.approx(100 * (-1 / 3) / (2 / 3))
    # var x = 1/3, var y = 4/3 -> r = (-1/3) / sqrt(4/9) = -0.5
    assert item1.discrimination == pytest.approx(-50)


def test_undefined_statistics_are_none():
    single = analyse([1], ATTEMPTS[:1])[0]
    assert single.facility == 100 and single.discrimination is None
    assert analyse([9], ATTEMPTS)[0].facility is None


def test_choose_first_last_or_all_attempts():
    attempts = [(1, 10, 5), (2, 10, 9), (3, 11, 7)]
    assert choose_attempts(attempts, "first") == {1, 3}
    assert choose_attempts(attempts, "last") == {2, 3}
    assert choose_attempts(attempts, "all") == {1, 2, 3}
    with pytest.raises(ValueError):
        choose_attempts(attempts, "best")
