package clientsetting

import "time"

// StaticTime is the date filter default type the Youshu document shows: fixed
// bounds written in BoundLayout.
const StaticTime = "StaticTime"

// BoundLayout is the time layout of StaticTime bounds ("2016-07-01 00:00:00").
const BoundLayout = "2006-01-02 15:04:05"

// ListDefault returns the default of a list filter control: the selected
// values, and whether they are excluded rather than kept. With no values,
// Selected is still sent, as [].
func ListDefault(exclude bool, selected ...string) FilterDefault {
	s := make([]string, len(selected))
	copy(s, selected)
	return FilterDefault{Selected: s, Exclude: &exclude}
}

// DateDefault returns the default of a date filter control: its type (such as
// StaticTime) and its bounds, as the control expects them. An empty bound is
// left out.
func DateDefault(typ, minBound, maxBound string) FilterDefault {
	return FilterDefault{Type: typ, MinBound: minBound, MaxBound: maxBound}
}

// StaticTimeDefault returns a StaticTime date default from from to to, both
// written in BoundLayout in their own location.
func StaticTimeDefault(from, to time.Time) FilterDefault {
	return DateDefault(StaticTime, from.Format(BoundLayout), to.Format(BoundLayout))
}
