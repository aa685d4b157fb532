package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

// ReplyError is an error reply (-ERR ..., -WRONGTYPE ...) as Raw returns it.
type ReplyError string

// Error returns the reply's text.
func (e ReplyError) Error() string { return string(e) }

// rawTimeout bounds one Raw exchange, however loaded the machine.
const rawTimeout = 30 * time.Second

// Raw sends one command to the Redis at addr on a connection of its own,
// in RESP2, bypassing go-redis (and any hook a test put on a client), and
// returns the reply: a string for simple and bulk strings, nil for a null,
// an int64 for an integer, []any for an array, a ReplyError for an error
// reply. Arguments may be strings, []byte (any size: a 50 MB value is fine)
// or anything fmt prints. A connection or protocol failure fails t.
func Raw(t testing.TB, addr string, args ...any) any {
	t.Helper()
	r, err := rawCommand(addr, args...)
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return r
}

func rawCommand(addr string, args ...any) (any, error) {
	if len(args) == 0 {
		return nil, errors.New("Raw needs a command")
	}
	c, err := net.DialTimeout("tcp", addr, rawTimeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(rawTimeout))
	w := bufio.NewWriter(c)
	fmt.Fprintf(w, "*%d\r\n", len(args))
	for _, a := range args {
		var b []byte
		switch v := a.(type) {
		case []byte:
			b = v
		case string:
			b = []byte(v)
		default:
			b = []byte(fmt.Sprint(v))
		}
		fmt.Fprintf(w, "$%d\r\n", len(b))
		_, _ = w.Write(b)
		_, _ = w.WriteString("\r\n")
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return readReply(bufio.NewReader(c))
}

// readReply reads one RESP2 reply.
func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return nil, fmt.Errorf("malformed reply line %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	switch kind {
	case '+':
		return body, nil
	case '-':
		return ReplyError(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return nil, fmt.Errorf("malformed bulk length %q", body)
		}
		if n == -1 {
			return nil, nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		return string(b[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return nil, fmt.Errorf("malformed array length %q", body)
		}
		if n == -1 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown reply type %q", kind)
}
