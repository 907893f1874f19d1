package hub

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// maxFrameDepth bounds the nesting of a client frame, the frame object
// itself counting as one level, so that a small frame cannot make the
// decoder or any subscriber's parser recurse deeply.
const maxFrameDepth = 32

// request is a decoded client frame of the channels handler.
type request struct {
	Handler *string         `json:"handler"`
	Data    json.RawMessage `json:"data"`    // publish; "null" when given as null
	Channel *string         `json:"channel"` // change_channel
}

// frameError is an error frame the client gets; it stays connected.
type frameError struct {
	code  string
	frame []byte // the encoded {"type":"error",...}
}

func newFrameError(code, message string) *frameError {
	frame, _ := json.Marshal(struct {
		Type    string `json:"type"`
		Error   string `json:"error"`
		Message string `json:"message"`
	}{"error", code, message})
	return &frameError{code: code, frame: frame}
}

func (e *frameError) Error() string { return e.code }

// The error frames of the channels handler.
var (
	errBadJSON      = newFrameError("bad_json", "frame is not valid JSON")
	errNotObject    = newFrameError("bad_frame", "frame must be a JSON object")
	errTooDeep      = newFrameError("bad_frame", "frame is nested deeper than "+strconv.Itoa(maxFrameDepth)+" levels")
	errBadField     = newFrameError("bad_frame", "frame has a field the handler does not accept")
	errNoHandler    = newFrameError("bad_frame", `frame has no "handler" string`)
	errNoData       = newFrameError("bad_frame", `publish needs "data"`)
	errNoChannel    = newFrameError("bad_frame", `change_channel needs a "channel" string`)
	errUnknown      = newFrameError("unknown_handler", "handler is unknown or not allowed here")
	errDenied       = newFrameError("permission_denied", "missing a permission this endpoint requires")
	errBadChannel   = newFrameError("bad_channel", "channel name is not allowed")
	errNoChannelYet = newFrameError("bad_channel", "join a channel before publishing")
	errRateLimited  = newFrameError("rate_limited", "too many messages; slow down")
)

// decodeFrame parses a client frame into its handler and arguments,
// refusing anything but an object of known fields nested at most
// maxFrameDepth deep. p must already be valid UTF-8.
func decodeFrame(p []byte) (request, *frameError) {
	var r request
	if !depthWithin(p, maxFrameDepth) {
		return r, errTooDeep
	}
	dec := json.NewDecoder(bytes.NewReader(p))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return r, classify(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return r, errBadJSON // more after the object
	}
	if r.Handler == nil {
		return r, errNoHandler
	}
	return r, nil
}

// classify maps a decoding error to the error frame it deserves.
func classify(err error) *frameError {
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field == "":
		return errNotObject
	case errors.As(err, &typeErr):
		return errNoHandler.orField(typeErr.Field)
	// encoding/json has no error type for unknown fields, only this text.
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return errBadField
	default:
		return errBadJSON
	}
}

// orField picks the error for a field of the wrong type.
func (e *frameError) orField(field string) *frameError {
	if field == "channel" {
		return errNoChannel
	}
	return e
}

// depthWithin reports whether the JSON text p nests arrays and objects at
// most max levels deep. It only counts brackets outside strings; the
// decoder judges the syntax.
func depthWithin(p []byte, max int) bool {
	depth, inString, escaped := 0, false, false
	for _, b := range p {
		switch {
		case inString && escaped:
			escaped = false
		case inString && b == '\\':
			escaped = true
		case inString && b == '"':
			inString = false
		case inString:
		case b == '"':
			inString = true
		case b == '[' || b == '{':
			depth++
			if depth > max {
				return false
			}
		case b == ']' || b == '}':
			depth--
		}
	}
	return true
}
