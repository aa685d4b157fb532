package youshutest

import "fmt"

// Format prints the fake by its URL only, whatever the verb: its accounts
// and issued tokens hold credentials and tokens.
func (s *Server) Format(f fmt.State, _ rune) { fmt.Fprintf(f, "youshutest.Server{URL: %s}", s.URL()) }
