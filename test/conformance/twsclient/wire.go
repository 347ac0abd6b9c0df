package main

// The TWS API wire format, written from IBKR's API documentation: after the "API\0" preamble every message in
// both directions is a 4-byte big-endian length followed by NUL-terminated fields.

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

type conn struct {
	socket net.Conn
	reader *bufio.Reader
}

func dial(port int) (*conn, error) {
	socket, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		return nil, err
	}
	return &conn{socket: socket, reader: bufio.NewReader(socket)}, nil
}

// hello sends the preamble: "API\0", then the length-prefixed version range, without a NUL.
func (c *conn) hello(versions string) error {
	text := []byte(versions)
	frame := make([]byte, 4+4+len(text))
	copy(frame, "API\x00")
	binary.BigEndian.PutUint32(frame[4:], uint32(len(text)))
	copy(frame[8:], text)
	_, err := c.socket.Write(frame)
	return err
}

func (c *conn) send(fields ...interface{}) error {
	var payload strings.Builder
	for _, field := range fields {
		payload.WriteString(fmt.Sprint(field))
		payload.WriteByte(0)
	}
	frame := make([]byte, 4+payload.Len())
	binary.BigEndian.PutUint32(frame, uint32(payload.Len()))
	copy(frame[4:], payload.String())
	_, err := c.socket.Write(frame)
	return err
}

// read returns the fields of the next message.
func (c *conn) read(deadline time.Time) ([]string, error) {
	if err := c.socket.SetReadDeadline(deadline); err != nil {
		return nil, err
	}
	header := make([]byte, 4)
	if _, err := io.ReadFull(c.reader, header); err != nil {
		return nil, err
	}
	length := binary.BigEndian.Uint32(header)
	if length == 0 || length > 1<<24 {
		return nil, fmt.Errorf("frame length %d out of range", length)
	}
	payload := make([]byte, length)
	if _, err := io.ReadFull(c.reader, payload); err != nil {
		return nil, err
	}
	if payload[len(payload)-1] != 0 {
		return nil, fmt.Errorf("frame does not end with a NUL")
	}
	return strings.Split(string(payload[:len(payload)-1]), "\x00"), nil
}

// fields reads one message in order; a read past the end or a value of the wrong kind is recorded, not fatal.
type fields struct {
	values []string
	next   int
	what   string
	err    error
}

func (f *fields) str() string {
	if f.next >= len(f.values) {
		if f.err == nil {
			f.err = fmt.Errorf("%s: underrun at field %d", f.what, f.next)
		}
		return ""
	}
	value := f.values[f.next]
	f.next++
	return value
}

func (f *fields) int() int64 {
	text := f.str()
	if text == "" {
		return 0
	}
	value, err := strconv.ParseInt(text, 10, 64)
	if err != nil && f.err == nil {
		f.err = fmt.Errorf("%s: field %d is not an integer: %q", f.what, f.next-1, text)
	}
	return value
}

// float reads a double; IBKR's "unset" Double.MAX and empty fields come back as nil.
func (f *fields) float() *float64 {
	text := f.str()
	if text == "" || text == "1.7976931348623157E308" {
		return nil
	}
	value, err := strconv.ParseFloat(text, 64)
	if err != nil && f.err == nil {
		f.err = fmt.Errorf("%s: field %d is not a number: %q", f.what, f.next-1, text)
	}
	return &value
}

// done reports fields left over: the sender laid the message out for another version.
func (f *fields) done() error {
	if f.err == nil && f.next != len(f.values) {
		f.err = fmt.Errorf("%s: %d fields left over", f.what, len(f.values)-f.next)
	}
	return f.err
}
