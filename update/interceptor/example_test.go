package interceptor_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/virtupdate/virtupdate/fake"
	"github.com/virtupdate/virtupdate/update"
	"github.com/virtupdate/virtupdate/update/interceptor"
)

// Fail the first checkpoint write after it landed, as a dropped
// connection does, and count every write.
func ExampleNew() {
	c := fake.NewCluster(fake.Options{Seed: 1})
	writes := 0
	lost := false
	faulty := interceptor.New(c, func(_ context.Context, call interceptor.Call, next func() error) error {
		if call.Verb.Write() {
			writes++
		}
		err := next()
		if call.Verb == interceptor.SaveCheckpoint && !lost {
			lost = true
			return fmt.Errorf("%w: connection reset by peer", update.ErrTransient)
		}
		return err
	})
	ctx := context.Background()
	_, err := faulty.SaveCheckpoint(ctx, update.Checkpoint{Name: "plan", Data: []byte("step 1")})
	fmt.Println(errors.Is(err, update.ErrTransient))
	cp, _ := faulty.LoadCheckpoint(ctx, "plan")
	fmt.Println(string(cp.Data), writes)
	// Output:
	// true
	// step 1 1
}
