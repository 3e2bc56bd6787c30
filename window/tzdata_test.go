package window

// The tests load zones by name (Europe/Berlin, America/New_York, ...). The
// embedded database is used when the machine has none, so the tests pass
// anywhere. The answers the tables expect depend only on rules that every
// time zone database released since 2012 has.
import _ "time/tzdata"
