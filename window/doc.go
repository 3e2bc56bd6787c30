// Package window says when work that changes a cluster may start:
// maintenance windows that repeat every week, on chosen days, from a start
// time, for a duration, in a time zone.
//
// A [Gate] answers, for an instant t, whether t is inside and when that
// changes: when it closes if open, when it next opens if closed. [Window]
// is the weekly window, [Always] the gate that is always open (the default
// when no window is configured), [Any] the union of gates and [GateFunc]
// adapts a function. Every answer is a pure function of t: nothing here
// reads the clock, so callers pass the time they hold (from an injected
// clock) and tests need no sleeps.
//
// A gate decides when work may start. Work started inside a window may run
// past its end; the caller decides whether a step fits before the close.
//
// # Syntax
//
// [Parse] reads one window:
//
//	[DAYS] START-END [ZONE]
//	[DAYS] START+DURATION [ZONE]
//
// with the parts separated by spaces:
//
//   - DAYS: the days the window starts on, a comma-separated list of days
//     and ranges with no spaces: Mon-Fri, Sat,Sun, Mon,Wed,Fri, Fri-Mon (a
//     range runs forward and may wrap the week). A day is written as in
//     kured's --reboot-days: two or three letters or the full name, in any
//     case (mo, Mon, monday), or a number 0..6 with Sunday 0. Omitted, the
//     window opens every day.
//   - START: the wall-clock time it opens, H:MM or HH:MM, 00:00 to 23:59.
//   - END: the wall-clock time it closes, 00:00 to 24:00. An END before
//     START is on the next day: 22:00-05:00 runs overnight. END equal to
//     START is an error (write START+24h for a whole day).
//   - DURATION: how long it stays open, as a Go duration (7h, 90m, 1h30m,
//     24h, 48h): more than 0, at most 168h. It may pass midnight and last
//     several days.
//   - ZONE: an IANA time zone name (Europe/Berlin, America/New_York, UTC).
//     Omitted, the window is in UTC. "Local" is refused: it would make the
//     window mean different things on different machines.
//
// Examples:
//
//	Mon-Fri 22:00-05:00 Europe/Berlin   weeknights, Monday night to Friday night
//	Sat,Sun 00:00+24h UTC               all of Saturday and Sunday
//	Sat 00:00+48h Europe/Berlin         the same weekend, as one window
//	01:00-03:00 America/New_York        every night
//	fr 23:30+6h                         Friday 23:30 to Saturday 05:30 UTC
//
// An error names the part and the value and says what is wanted:
//
//	window "Mon-Fry 22:00-05:00": day "Fry": want Mon..Sun
//
// [Window.String] writes a window back in this syntax, and Window
// implements encoding.TextMarshaler and encoding.TextUnmarshaler with it.
//
// # Which day a window belongs to
//
// A window belongs to the day it starts on. "Fri 22:00-05:00" is open on
// Saturday at 03:00, though Saturday is not listed, and "Mon-Fri
// 22:00-05:00" is closed on Monday at 03:00 (that would be Sunday's night).
// Each opening lasts from its start up to, not including, its end; windows
// that overlap or touch form one stretch, and Open reports the end of the
// whole stretch: "Sat,Sun 00:00+24h" closes on Monday at 00:00.
//
// # Daylight saving time
//
// START, END and DURATION are read on the wall clock of ZONE. On the days
// the clocks change:
//
//   - DURATION is wall-clock time, not elapsed time: a window closes when
//     the wall clock shows START plus DURATION. "22:00-05:00" and
//     "22:00+7h" are the same window, and both close at 05:00 on the
//     clock: 7 elapsed hours on most nights, 6 on the night the clocks
//     spring forward and 8 on the night they fall back. "00:00+24h" is the
//     whole calendar day, 23 or 25 hours on those days. This follows kured
//     and system-upgrade-controller, which define windows by their start and
//     end times on the clock; an operator who writes "until 05:00" means
//     the clock, and windows of whole days tile the week exactly.
//   - Each boundary (the start, and the end) is the first instant at which
//     the clock shows that time or a later one. So a time that does not
//     exist that day, because the clocks jump over it, is the instant of
//     the jump: in Europe/Berlin on 2026-03-29, "02:30" opens at 03:00 CEST.
//     A window that lies wholly inside the jump (02:00-02:30 that day) does
//     not happen that day. A time that occurs twice, because the clocks fall
//     back, is its first occurrence: in Europe/Berlin on 2026-10-25, "02:30"
//     is 02:30 CEST. A window that ends at 02:30 that night closes at
//     02:30 CEST and stays closed while the clock shows 02:00 to 02:30 a
//     second time.
//
// One rule for both boundaries keeps the order of times: a window never
// ends before it starts and windows that touch on the clock touch as
// instants. Between the two ways of reading a repeated time it errs on
// closed: once the clock has shown the end, the window is over. The
// standard library's time.Date gives no such guarantee for these times: for
// 02:30 on the spring-forward day it returns 03:30 CEST in Europe/Berlin but
// 01:30 EST, before the jump, in America/New_York, and for a repeated time
// the second occurrence in Berlin but the first in New York. The package
// resolves these times itself.
//
// Because a weekly occurrence can be lost to a jump, [Window.Open] looks up
// to [Horizon] (15 days) ahead for the next opening; a window with at least
// one day always finds one. Only a window with no valid day, or one that
// fails [Window.Validate], answers "never opens" (false and the zero time).
//
// # Time zone data
//
// ZONE is loaded with time.LoadLocation, which reads the time zone database
// of the system (or the one named by $ZONEINFO). The package does not
// embed the database: that adds about 450 KB to every program and is the
// program's choice, not a library's. A program that may run where no
// database is installed (minimal container images) should import
// time/tzdata in its main package. The package's own tests import it, so
// they pass on any machine.
//
// # Compared with kured and system-upgrade-controller
//
// The fields are those of kured's --reboot-days, --start-time, --end-time
// and --time-zone and of system-upgrade-controller's Plan spec.window (days,
// startTime, endTime, timeZone), which uses kured's implementation. Where
// this package differs:
//
//   - kured checks the day of the instant, not of the window's start: its
//     "mon-fri 21:00-05:00" is open on Monday at 01:00 and closed on
//     Saturday at 01:00. Here a window belongs to its start day.
//   - kured includes the last second of END (23:59:59 means up to
//     midnight); here END is excluded and midnight is written 24:00 or
//     +24h.
//   - kured moves an overnight window by 24 elapsed hours, so on the days
//     the clocks change its edges move by an hour; here they stay on the
//     clock.
//   - kured takes END equal to START as a one-second window; here it is an
//     error. kured also reads 9am and 15:04:05; here times are 24-hour H:MM.
//   - system-upgrade-controller gates only the start of its Jobs, and lets
//     running ones continue; a Gate means the same. It treats a window that
//     does not parse as never open at run time; here Parse reports the
//     error, and an invalid Window is never open.
//   - Neither says when a window opens next; Open does, so a caller can wait
//     for it instead of polling every minute.
package window
