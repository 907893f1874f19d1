package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/coder/websocket"
	"github.com/wsgate/wsgate/server/hub"
)

// maxSendBodyBytes bounds POST /api/admin/send: a pushed message may be
// larger than the other API bodies, but not unbounded.
const maxSendBodyBytes = 1 << 20

// adminCloseReason is the close reason of a connection an administrator
// closed; 1008 so that the bundled client does not reconnect at once.
const adminCloseReason = "closed by an administrator"

// adminConn is one connection in GET /api/admin/connections. Channel and
// user are null for echo connections and anonymous clients.
type adminConn struct {
	ID       string    `json:"id"`
	Endpoint string    `json:"endpoint"`
	Channel  *string   `json:"channel"`
	User     *string   `json:"user"`
	IP       string    `json:"ip"`
	Since    time.Time `json:"since"`
}

// handleAdminConnections lists the live connections, oldest first.
func (s *Server) handleAdminConnections(w http.ResponseWriter, r *http.Request) {
	metas := s.hub.Conns()
	list := make([]adminConn, len(metas))
	for i, m := range metas {
		list[i] = adminConn{
			ID:       m.ID,
			Endpoint: m.Endpoint,
			Channel:  nullIfEmpty(m.Channel),
			User:     nullIfEmpty(m.User),
			IP:       m.IP,
			Since:    m.Since.UTC(),
		}
	}
	writeJSON(w, http.StatusOK, map[string][]adminConn{"connections": list})
}

// handleAdminCloseConnection closes one connection with 1008.
func (s *Server) handleAdminCloseConnection(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !s.hub.CloseConn(id, websocket.StatusPolicyViolation, adminCloseReason) {
		writeError(w, http.StatusNotFound, "not_found", fmt.Sprintf("no live connection has id %q", id))
		return
	}
	s.log.Info("connection closed by an administrator", "conn_id", id)
	w.WriteHeader(http.StatusNoContent)
}

// sendRequest is the body of POST /api/admin/send: exactly one target
// and the message.
type sendRequest struct {
	Channel      *string         `json:"channel"`
	User         *string         `json:"user"`
	ConnectionID *string         `json:"connection_id"`
	All          *bool           `json:"all"`
	Message      json.RawMessage `json:"message"`
}

// handleAdminSend pushes a server message and answers how many
// connections it was queued for.
func (s *Server) handleAdminSend(w http.ResponseWriter, r *http.Request) {
	var req sendRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxSendBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", sendBodyError(err))
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "bad_request", "the body must be one JSON object")
		return
	}
	target, err := req.target()
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_request", err.Error())
		return
	}
	n := s.hub.Send(target, req.Message)
	writeJSON(w, http.StatusOK, map[string]int{"delivered": n})
}

// target checks that the request names exactly one non-empty target and
// a message.
func (req *sendRequest) target() (hub.Target, error) {
	var t hub.Target
	named := 0
	if req.Channel != nil {
		t.Channel, named = *req.Channel, named+1
	}
	if req.User != nil {
		t.User, named = *req.User, named+1
	}
	if req.ConnectionID != nil {
		t.ConnID, named = *req.ConnectionID, named+1
	}
	if req.All != nil {
		t.All, named = *req.All, named+1
	}
	switch {
	case named != 1:
		return t, errors.New(`name exactly one of "channel", "user", "connection_id" or "all"`)
	case req.All != nil && !t.All, t.Channel == "" && t.User == "" && t.ConnID == "" && !t.All:
		return t, errors.New(`the target must not be empty ("all" must be true)`)
	case len(req.Message) == 0:
		return t, errors.New(`"message" is missing`)
	}
	return t, nil
}

// sendBodyError explains a body that did not decode.
func sendBodyError(err error) string {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return fmt.Sprintf("the body is larger than %d bytes", tooBig.Limit)
	}
	return "the body is not a valid send request: " + err.Error()
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
