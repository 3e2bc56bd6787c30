package faultproxy

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Request describes one request the proxy saw, as the API server reads it.
type Request struct {
	// Verb is the API verb: get, list, watch, create, update, patch,
	// delete, deletecollection; for a path that names no resource
	// (discovery, /version, /healthz), the HTTP method in lower case.
	Verb string
	// Group and Version are the API group ("" for the core group) and
	// version; Resource the plural resource ("configmaps"), Subresource
	// the subresource ("status"), "" when none.
	Group, Version, Resource, Subresource string
	// Namespace and Name are the object's, "" when the request names none.
	Namespace, Name string
	// Page is the page of a list: 1 for a list without a continue token,
	// then 2, 3, … for each new token the same list (resource, namespace,
	// selectors) goes on with; a request that repeats a token has that
	// token's page. 0 for every other verb.
	Page int
	// Path and Query are the request's URL path and query.
	Path  string
	Query url.Values
	// Body is the body of a write (create, update, patch), nil otherwise.
	Body []byte

	// Rule is the index of the rule that took the request (in the order the
	// rules were added), -1 when none did; Fault what it did.
	Rule  int
	Fault Fault
	// Status is the HTTP status the server answered (for a forwarded
	// request, whether or not the client got the answer) or the proxy's
	// own (500, 429, or 502 when the server cannot be reached); 0 when
	// the connection was dropped or hung up before the request was
	// forwarded.
	Status int
}

// Write reports whether the request changes an object: create, update,
// patch, delete or deletecollection.
func (r Request) Write() bool {
	switch r.Verb {
	case "create", "update", "patch", "delete", "deletecollection":
		return true
	}
	return false
}

// String is "patch machineconfigpools/worker" or, with a namespace,
// "list configmaps -n openshift-cnv (page 2)".
func (r Request) String() string {
	var b strings.Builder
	b.WriteString(r.Verb)
	b.WriteByte(' ')
	if r.Resource == "" {
		b.WriteString(r.Path)
		return b.String()
	}
	b.WriteString(r.Resource)
	if r.Name != "" {
		b.WriteString("/" + r.Name)
	}
	if r.Subresource != "" {
		b.WriteString("/" + r.Subresource)
	}
	if r.Namespace != "" {
		b.WriteString(" -n " + r.Namespace)
	}
	if r.Page > 1 {
		b.WriteString(" (page ")
		b.WriteString(strconv.Itoa(r.Page))
		b.WriteByte(')')
	}
	return b.String()
}

// describe reads the request as k8s.io/apiserver's RequestInfoFactory
// (pkg/endpoints/request/requestinfo.go) does: /api/VERSION or
// /apis/GROUP/VERSION, then namespaces/NS (unless the namespace is the
// object, or its status or finalize subresource), then
// RESOURCE[/NAME[/SUBRESOURCE]]; GET is get with a name, list without one
// (watch with ?watch=true), POST create, PUT update, PATCH patch, DELETE
// delete, or deletecollection without a name. The old /watch/ path prefix
// is a watch. The page is not set here.
func describe(r *http.Request) Request {
	out := Request{Verb: strings.ToLower(r.Method), Path: r.URL.Path, Query: r.URL.Query(), Rule: -1}
	parts := splitPath(r.URL.Path)
	if len(parts) < 3 {
		return out
	}
	switch parts[0] {
	case "api":
		parts = parts[1:]
	case "apis":
		if len(parts) < 4 {
			return out // discovery of a group
		}
		out.Group, parts = parts[1], parts[2:]
	default:
		return out
	}
	version := parts[0]
	parts = parts[1:]
	if len(parts) == 0 {
		return out
	}
	out.Version = version
	watchPrefix := false
	if parts[0] == "watch" && len(parts) > 1 {
		watchPrefix, parts = true, parts[1:]
	}
	switch r.Method {
	case http.MethodPost:
		out.Verb = "create"
	case http.MethodGet, http.MethodHead:
		out.Verb = "get"
	case http.MethodPut:
		out.Verb = "update"
	case http.MethodPatch:
		out.Verb = "patch"
	case http.MethodDelete:
		out.Verb = "delete"
	}
	if watchPrefix {
		out.Verb = "watch"
	}
	if parts[0] == "namespaces" && len(parts) > 1 {
		out.Namespace = parts[1]
		if len(parts) > 2 && parts[2] != "status" && parts[2] != "finalize" {
			parts = parts[2:]
		}
	}
	out.Resource = parts[0]
	if len(parts) > 1 {
		out.Name = parts[1]
	}
	if len(parts) > 2 {
		out.Subresource = parts[2]
	}
	if out.Name == "" && out.Verb == "get" {
		out.Verb = "list"
		if w := out.Query.Get("watch"); w != "" && w != "false" && w != "0" {
			out.Verb = "watch"
		}
	}
	if out.Name == "" && out.Verb == "delete" {
		out.Verb = "deletecollection"
	}
	return out
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// listKey identifies one list for paging: the same resource, namespace and
// selectors.
func listKey(r Request) string {
	return strings.Join([]string{r.Group, r.Resource, r.Namespace, r.Query.Get("labelSelector"), r.Query.Get("fieldSelector")}, "\x00")
}
