package kube

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// listPages asks for a page after the first again, with the same continue
// token, when the answer is transient; the first page, other errors and a
// cancelled context are returned at once (the caller retries with
// backoff).
func TestListPagesRetriesAPageMidList(t *testing.T) {
	internal := apierrors.NewInternalError(errors.New("etcdserver: leader changed"))
	for _, tt := range []struct {
		reason string
		// fail is the error of the first failures requests for the token.
		token    string
		fail     error
		failures int
		cancel   bool
		want     string
		calls    int
	}{
		{"a 500 on page 2 asks for page 2 again", "p2", internal, 1, false, "[1 2 3] <nil>", 3},
		{"two 500s on page 2 still end the list", "p2", internal, listPageAttempts - 1, false, "[1 2 3] <nil>", 2 + listPageAttempts - 1},
		{"a dropped connection mid-list is retried too", "p2", fmt.Errorf("Get \"https://api\": %w", io.ErrUnexpectedEOF), 1, false, "[1 2 3] <nil>", 3},
		{"as many 500s as attempts: the caller gets the error", "p2", internal, listPageAttempts, false, "[] transient", 1 + listPageAttempts},
		{"the first page is not asked again: nothing is lost", "", internal, 1, false, "[] transient", 1},
		{"a 403 mid-list is not transient", "p2", apierrors.NewForbidden(CSVResource.GroupResource(), "", errors.New("no")), 1, false, "[] forbidden", 2},
		{"a client timeout mid-list is not retried once the caller's context is done", "p2", fmt.Errorf("Get \"https://api\": %w", context.DeadlineExceeded), 1, true, "[] transient", 2},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		calls, failed := 0, 0
		got, err := listPages(ctx, 2, "", func(_ context.Context, opts metav1.ListOptions) ([]int, string, error) {
			calls++
			if opts.Continue == tt.token && failed < tt.failures {
				failed++
				if tt.cancel {
					cancel()
				}
				return nil, "", tt.fail
			}
			switch opts.Continue {
			case "":
				return []int{1, 2}, "p2", nil
			case "p2":
				return []int{3}, "", nil
			}
			t.Fatalf("%s: unexpected token %q", tt.reason, opts.Continue)
			return nil, "", nil
		})
		cancel()
		res := fmt.Sprint(got)
		if got == nil {
			res = "[]"
		}
		switch {
		case err == nil:
			res += " <nil>"
		case Transient(err):
			res += " transient"
		case apierrors.IsForbidden(err):
			res += " forbidden"
		default:
			res += " " + err.Error()
		}
		if res != tt.want || calls != tt.calls {
			t.Errorf("%s: %s after %d requests, want %s after %d", tt.reason, res, calls, tt.want, tt.calls)
		}
	}
}
