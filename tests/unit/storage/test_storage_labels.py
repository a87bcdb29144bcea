"""Crossings read with the role and unit of their visit: the visit of the same run, camera and track
that spans the crossing's time."""

from __future__ import annotations

from storage_helpers import T0, at

from storelens.analytics.records import Direction, LineCrossing, Visit
from storelens.storage.labels import VisitLabel, labelled_crossings


def test_each_crossing_gets_the_label_of_the_visit_it_lies_in(db):
    db.add_line_crossings(
        [
            LineCrossing("door", "store", 1, at(10), Direction.IN),  # first visit of track 1: a visitor in unit 1
            LineCrossing("door", "store", 1, at(100), Direction.OUT),  # track 1 found again later: staff
            LineCrossing("door", "store", 2, at(20), Direction.IN),  # a visitor whose visit carries nothing
            LineCrossing("door", "store", 3, at(30), Direction.IN),  # still inside: no visit yet
            LineCrossing("door", "door", 1, at(40), Direction.IN),  # another camera's track 1
        ]
    )
    db.add_visits(
        [
            Visit("store", 1, at(0), at(50), True, "visitor", 1),
            Visit("store", 1, at(65), at(120), True, "staff"),
            Visit("store", 2, at(15), at(60), True),
            Visit("door", 1, at(35), at(45), True, "visitor", 7),
        ]
    )
    labelled = labelled_crossings(db.engine, T0, at(200))
    got = {(c.crossing.camera_id, c.crossing.track_id, c.crossing.ts): c.label for c in labelled}
    assert got == {
        ("store", 1, at(10)): VisitLabel("visitor", 1),
        ("store", 1, at(100)): VisitLabel("staff", None),
        ("store", 2, at(20)): None,
        ("store", 3, at(30)): None,
        ("door", 1, at(40)): VisitLabel("visitor", 7),
    }
    assert [c.crossing.ts for c in labelled_crossings(db.engine, at(15), at(50))] == [at(20), at(30), at(40)]
