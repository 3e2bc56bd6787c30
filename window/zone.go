package window

import "time"

const secondsPerDay = 24 * 60 * 60

// The instants a Window answers for: years 1 to 9999. Outside them it is
// never open, so that the arithmetic on local seconds cannot overflow.
const (
	minUnix = -62135596800 // 0001-01-01T00:00:00Z
	maxUnix = 253402300799 // 9999-12-31T23:59:59Z
)

// localSeconds returns t's reading on loc's wall clock as seconds since
// 1970-01-01 00:00 of that clock (a count that ignores the zone offset).
func localSeconds(t time.Time, loc *time.Location) int64 {
	_, off := t.In(loc).Zone()
	return t.Unix() + int64(off)
}

// resolve maps a reading of loc's wall clock (sec seconds since 1970-01-01
// 00:00 of that clock, plus nsec) to the first instant at which the clock
// shows that reading or a later one:
//
//   - a reading that occurs once maps to that instant;
//   - a reading that occurs twice (the clocks fall back) maps to the first
//     occurrence;
//   - a reading that never occurs (the clocks spring forward over it) maps to
//     the instant the clocks jump, the first one past it.
//
// The map never decreases as the reading grows, so wall-clock intervals map
// to instant intervals in the same order, touching where they touched.
//
// time.Date does not do this: for a reading in a gap or an overlap it
// returns one of the two zones' answers without saying which. For the
// repeated hour it picks the second occurrence in Europe/Berlin and the
// first in America/New_York; for the skipped hour, an instant an hour after
// the jump in Berlin and an hour before it in New York.
func resolve(sec, nsec int64, loc *time.Location) time.Time {
	if loc == time.UTC {
		return time.Unix(sec, nsec).In(loc)
	}
	// Zones in time order, starting well before any instant that could show
	// this reading (offsets stay within a day); the first zone whose
	// readings reach sec holds the answer: the instant showing sec, or the
	// zone's start when its readings begin past sec.
	cur := time.Unix(sec-2*secondsPerDay, 0).In(loc)
	for range 16 {
		_, off := cur.Zone()
		start, end := cur.ZoneBounds()
		at := time.Unix(sec-int64(off), nsec).In(loc)
		if end.IsZero() || at.Before(end) {
			if !start.IsZero() && at.Before(start) {
				return start
			}
			return at
		}
		cur = end
	}
	// More than 16 zone changes in a few days exist in no zone database;
	// fall back to the standard library's choice.
	_, off := time.Unix(sec, 0).In(loc).Zone()
	return time.Unix(sec-int64(off), nsec).In(loc)
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// weekdayOf is the weekday of a day counted from 1970-01-01 (a Thursday).
func weekdayOf(day int64) time.Weekday {
	w := (day + int64(time.Thursday)) % 7
	if w < 0 {
		w += 7
	}
	return time.Weekday(w)
}
