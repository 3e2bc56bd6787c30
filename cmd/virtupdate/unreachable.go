package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// unreachableHint is what to do when the API server does not answer.
const unreachableHint = "the API server did not answer: check the server in the kubeconfig (--kubeconfig, --context), " +
	"log in again (oc login) if it moved or the token expired, and check the network, VPN or proxy to it"

// withUnreachableHint adds, once, what to do to an error whose cause is a
// connection to the API server that failed (refused, timed out, no such
// host); any other error is returned as it is. The cause stays in the
// message and in the chain.
func withUnreachableHint(err error) error {
	if err == nil || strings.Contains(err.Error(), unreachableHint) || !unreachable(err) {
		return err
	}
	return fmt.Errorf("%w; %s", err, unreachableHint)
}

// unreachable reports whether err comes from dialling the server.
func unreachable(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() {
		return true
	}
	// An adapter may flatten the cause into its message.
	s := err.Error()
	for _, m := range []string{"connection refused", "no route to host", "i/o timeout", "no such host", "network is unreachable"} {
		if strings.Contains(s, m) && strings.Contains(s, "dial tcp") {
			return true
		}
	}
	return false
}
