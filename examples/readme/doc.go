// Package readme holds the Go code that README.md quotes, as real code: each
// snippet is the body of one function here that checks every error, so it
// compiles with the SDK it describes, and readme_test.go runs it against the
// in-process fakes (and a real redis-server for the fleet) and fails when a
// ```go block of README.md is not, verbatim after trimming indentation, the
// body of one of these functions.
package readme
