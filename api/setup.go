package api

import (
	"bytes"
	"encoding/json"
	"net/http"
)

func setupDocument(data json.RawMessage) Document[Resource[SetupData]] {
	return Document[Resource[SetupData]]{Data: Resource[SetupData]{
		Type: typeSetupData, ID: defaultID, Attributes: SetupData{Data: data},
	}}
}

func (s *Server) getSetup(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, setupDocument(s.cfg.Controller.SetupData()))
}

// putSetup replaces setup()'s data with the body, a JSON value (an empty
// body clears it).
func (s *Server) putSetup(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	body = bytes.TrimSpace(body)
	var data json.RawMessage
	if len(body) > 0 {
		if err := decodeStrict(body, new(any)); err != nil {
			writeError(w, http.StatusBadRequest, "Invalid setup data", err.Error())
			return
		}
		data = json.RawMessage(body)
	}
	s.cfg.Controller.SetSetupData(data)
	writeJSON(w, http.StatusOK, setupDocument(s.cfg.Controller.SetupData()))
}

// postSetup runs setup() and answers its data, which becomes the run's setup
// data.
func (s *Server) postSetup(w http.ResponseWriter, r *http.Request) {
	data, err := s.cfg.Controller.RunSetup(r.Context())
	if err != nil {
		if s.cfg.Logger != nil {
			s.cfg.Logger.Warnf("setup() run from the REST API failed: %v", err)
		}
		writeError(w, http.StatusInternalServerError, "Setup failed", err.Error())
		return
	}
	s.cfg.Controller.SetSetupData(data)
	writeJSON(w, http.StatusOK, setupDocument(data))
}

// postTeardown runs teardown() and answers the current setup data.
func (s *Server) postTeardown(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Controller.RunTeardown(r.Context()); err != nil {
		if s.cfg.Logger != nil {
			s.cfg.Logger.Warnf("teardown() run from the REST API failed: %v", err)
		}
		writeError(w, http.StatusInternalServerError, "Teardown failed", err.Error())
		return
	}
	writeJSON(w, http.StatusOK, setupDocument(s.cfg.Controller.SetupData()))
}
