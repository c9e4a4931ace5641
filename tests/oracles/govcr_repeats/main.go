// govcr-repeats replays every recorded request of go-vcr v4 cassettes through the
// real go-vcr recorder (ModeReplayOnly) and reports which interaction answered
// each request: the library's own answer, for cassette-lint's replay model to
// be compared with (tests/test_replay_oracle_repeats.py).
//
// Usage: govcr-repeats [-repeats] FILE...
//
// -repeats  recorder.WithReplayableInteractions(true): Cassette.getInteraction
//           then tries every interaction, played or not
//           ("(c.ReplayableInteractions || !i.replayed) && c.Matcher(r, i.Request)").
//
// Each interaction's request is sent once, in recorded order, as a Go client
// sends it: http.NewRequest(method, url, body), so ContentLength is len(body)
// unless the recording says -1 or 0 (a streamed body of unknown length); then
// the recorded headers, Host, Proto, TransferEncoding and Trailer. RemoteAddr
// and RequestURI stay empty and Form is left to the matcher's own ParseForm.
//
// The interaction that answered is the *cassette.Interaction the recorder
// hands to its BeforeResponseReplayHook, found by pointer in the recorder's
// cassette (read through reflect: the recorder does not export it).
//
// Besides, for every interaction k, two calls of the matcher on k's own
// recording with a fresh request (what cassette.DefaultMatcher says, not what
// getInteraction did): "own" (the request matches its recording) and
// "own_form_preset" (it matches once r.Form is preset to the recorded form and
// r.PostForm to empty, so ParseForm has nothing to do and Form compares
// equal: every other field decides), and "own_server_blank" (it matches once
// the recording's RemoteAddr and RequestURI, which only a server sets, are
// blanked).
//
// One JSON object a line: {"file", "index", "served", "outcome", "own",
// "own_form_preset", "own_server_blank", "detail"}; index -1 for a file that
// does not load or has no interaction.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"unsafe"

	"gopkg.in/dnaeon/go-vcr.v4/pkg/cassette"
	"gopkg.in/dnaeon/go-vcr.v4/pkg/recorder"
)

type row struct {
	File           string `json:"file"`
	Index          int    `json:"index"`
	Served         *int   `json:"served"`
	Outcome        string `json:"outcome"` // served | not_found | build_error | client_error | load_error | empty
	Own            bool   `json:"own"`
	OwnFormPreset  bool   `json:"own_form_preset"`
	OwnServerBlank bool   `json:"own_server_blank"`
	Detail         string `json:"detail,omitempty"`
}

// request is the request a Go client sends for the recorded one q.
func request(q cassette.Request) (*http.Request, error) {
	var body io.Reader
	if q.Body != "" {
		body = strings.NewReader(q.Body)
	}
	r, err := http.NewRequest(q.Method, q.URL, body)
	if err != nil {
		return nil, err
	}
	if q.Body != "" && (q.ContentLength == -1 || q.ContentLength == 0) {
		r.Body = io.NopCloser(strings.NewReader(q.Body))
		r.GetBody = nil
		r.ContentLength = q.ContentLength
	}
	if q.Headers != nil {
		r.Header = q.Headers.Clone()
	}
	r.Host = q.Host
	r.Proto, r.ProtoMajor, r.ProtoMinor = q.Proto, q.ProtoMajor, q.ProtoMinor
	r.TransferEncoding = append([]string(nil), q.TransferEncoding...)
	r.Trailer = q.Trailer.Clone()
	return r, nil
}

// ownMatch is cassette.DefaultMatcher on a fresh request for q against q
// (after getInteraction's own preparation: a nil Body becomes http.NoBody).
func ownMatch(q, rec cassette.Request, prep func(*http.Request)) bool {
	r, err := request(q)
	if err != nil {
		return false
	}
	if r.Body == nil {
		r.Body = http.NoBody
	}
	if prep != nil {
		prep(r)
	}
	return cassette.DefaultMatcher(r, rec)
}

func cloneValues(v url.Values) url.Values {
	o := url.Values{}
	for k, s := range v {
		o[k] = append([]string(nil), s...)
	}
	return o
}

// cassetteOf is the recorder's (unexported) cassette.
func cassetteOf(r *recorder.Recorder) *cassette.Cassette {
	f := reflect.ValueOf(r).Elem().FieldByName("cassette")
	return *(**cassette.Cassette)(unsafe.Pointer(f.UnsafeAddr()))
}

func runFile(path string, repeats bool) []row {
	base := strings.TrimSuffix(path, filepath.Ext(path))
	if filepath.Ext(path) != ".yaml" {
		d, err := os.MkdirTemp("", "govcr-repeats")
		if err != nil {
			return []row{{File: path, Index: -1, Outcome: "load_error", Detail: err.Error()}}
		}
		defer os.RemoveAll(d)
		abs, _ := filepath.Abs(path)
		base = filepath.Join(d, "c")
		_ = os.Symlink(abs, base+".yaml")
	}
	var hit *cassette.Interaction
	rec, err := recorder.New(base,
		recorder.WithMode(recorder.ModeReplayOnly),
		recorder.WithSkipRequestLatency(true),
		recorder.WithReplayableInteractions(repeats),
		recorder.WithHook(func(i *cassette.Interaction) error { hit = i; return nil },
			recorder.BeforeResponseReplayHook))
	if err != nil {
		return []row{{File: path, Index: -1, Outcome: "load_error", Detail: err.Error()}}
	}
	c := cassetteOf(rec)
	if len(c.Interactions) == 0 {
		return []row{{File: path, Index: -1, Outcome: "empty"}}
	}
	index := map[*cassette.Interaction]int{}
	recorded := make([]cassette.Request, len(c.Interactions))
	for k, i := range c.Interactions {
		index[i] = k
		recorded[k] = i.Request // a copy, before any request is matched
	}
	client := rec.GetDefaultClient()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	rows := make([]row, 0, len(recorded))
	for k, q := range recorded {
		rw := row{File: path, Index: k}
		rw.Own = ownMatch(q, q, nil)
		rw.OwnFormPreset = ownMatch(q, q, func(r *http.Request) {
			r.PostForm = url.Values{}
			r.Form = cloneValues(q.Form)
		})
		blank := q
		blank.RemoteAddr, blank.RequestURI = "", ""
		rw.OwnServerBlank = ownMatch(q, blank, nil)
		req, err := request(q)
		if err != nil {
			rw.Outcome, rw.Detail = "build_error", err.Error()
			rows = append(rows, rw)
			continue
		}
		hit = nil
		resp, err := client.Do(req)
		if hit != nil {
			j, ok := index[hit]
			if !ok {
				j = -2 // not one of the cassette's interactions: cannot happen
			}
			rw.Served = &j
		}
		switch {
		case err == nil:
			rw.Outcome = "served"
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		case errors.Is(err, cassette.ErrInteractionNotFound):
			rw.Outcome = "not_found"
		default:
			rw.Outcome, rw.Detail = "client_error", err.Error()
		}
		rows = append(rows, rw)
	}
	return rows
}

func main() {
	repeats := flag.Bool("repeats", false, "recorder.WithReplayableInteractions(true)")
	flag.Parse()
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, path := range flag.Args() {
		for _, r := range runFile(path, *repeats) {
			if err := enc.Encode(r); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
	}
}
