// Package faultproxy is a fault-injecting reverse proxy for tests that talk
// to a real Kubernetes API server (envtest's kube-apiserver): it sits
// between a client's rest.Config and the server and, by rule, answers a
// request with an error, drops its connection, or lets it reach the server
// and loses the answer.
//
// Start it in front of the server's admin config, and give the client the
// proxy's config:
//
//	p, err := faultproxy.New(serverConfig)
//	...
//	defer p.Close()
//	c, err := kube.New(p.Config(), kube.Options{})
//
// The proxy speaks plain HTTP/1.1 on a loopback port (or TLS with HTTP/2,
// as an API server does: NewWithOptions, Options.HTTP2) and forwards every
// request to the server with the server config's credentials, so the
// client's config carries none; WriteKubeconfig points a client in another
// process at it. Each request is described as the API server
// itself describes it (verb, resource, subresource, namespace, name: the
// rules of k8s.io/apiserver's RequestInfoFactory), and the first rule that
// matches it and has attempts left decides what happens:
//
//	Pass            forward it (the default; with a Hook, to watch writes)
//	InternalError   answer 500 InternalError, not forwarded
//	TooManyRequests answer 429 TooManyRequests with Retry-After, not forwarded
//	DropConnection  close the connection without an answer, not forwarded
//	LoseResponse    forward it, let the server act, then close the
//	                connection instead of answering: a lost acknowledgement
//	Hang            hold it, not forwarded, until the client gives up: a
//	                server that never answers (for client timeouts)
//
// A rule may match only the Nth page of a paged list (Match.Page), so a
// list can fail in the middle; Skip lets the first matching requests pass
// and Times bounds how many the rule takes. A Hook is called after a
// matching request was forwarded and the server answered, before the
// answer is delivered (or lost), so a test can stop the client right after
// a write landed and before it learns so: the worst moment for a crash.
//
// Every request is logged (Requests, Count) with its fault and the
// server's status, and with its body for writes, so a test can count what a
// client did.
//
// What a client does with these faults is client-go's business first: it
// retries a 429 or 5xx that carries Retry-After itself (up to ten times,
// waiting the seconds asked), and a GET whose connection was reset or
// closed (after a second), but never a write without Retry-After
// (k8s.io/client-go/rest/request.go, with_retry.go checkWait). Only what
// client-go gives up on reaches the caller.
package faultproxy
