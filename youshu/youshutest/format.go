package youshutest

import (
	"fmt"

	"github.com/biembed/biembed-go/internal/redact"
)

// String describes the fake by its URL only: its accounts and issued tokens
// hold credentials and tokens.
func (s *Server) String() string { return "youshutest.Server{URL: " + s.URL() + "}" }

// Format writes String for every verb, so no verb prints what the fake holds.
func (s *Server) Format(f fmt.State, verb rune) { redact.FormatString(f, verb, s) }
