package load

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/fgharness/fgharness/internal/client"
	"github.com/fgharness/fgharness/spec"
)

// environment is what a run prepared on the target and must undo.
type environment struct {
	function string
	validate Validator
	endpoint Endpoint
	target   client.Target
	tls      *tls.Config // for https:// targets, from Options.TLS
	closers  []func(context.Context) error
}

// api is the target's management API, connected on first use: a run that
// only invokes a named function never needs it.
func (env *environment) api() (Endpoint, error) {
	if env.endpoint == nil {
		var opts []client.Option
		if env.tls != nil {
			opts = append(opts, client.WithTransport(newHTTPClient(4, env.tls, false).Transport))
		}
		ep, err := newAPIEndpoint(env.target, opts...)
		if err != nil {
			return nil, err
		}
		env.endpoint = ep
	}
	return env.endpoint, nil
}

// cleanupTimeout bounds deleting the temporary function and stopping the emulator, even after an interrupt.
const cleanupTimeout = 30 * time.Second

// prepare starts the emulator when there is no target, creates the temporary
// function when none was named, and builds the validator.
func prepare(ctx context.Context, o *Options) (*environment, error) {
	env := &environment{endpoint: o.Endpoint}
	ok := false
	defer func() {
		if !ok {
			env.close()
		}
	}()
	if o.Target.BaseURL == "" {
		if o.Launch == nil {
			return nil, errors.New("no target: pass --target (or FGH_TARGET)")
		}
		target, stop, err := o.Launch(ctx)
		if err != nil {
			return nil, fmt.Errorf("start the built-in emulator: %w", err)
		}
		env.closers = append(env.closers, stop)
		o.Target = target
		o.logf("no --target: started the built-in emulator at %s\n", target.Redacted())
	}
	env.target = o.Target
	if strings.HasPrefix(o.Target.BaseURL, "https://") {
		conf, err := o.TLS.Config(max(o.Connections, 64))
		if err != nil {
			return nil, err
		}
		env.tls = conf
	}
	if o.ValidateSample > 0 {
		sp, err := spec.Load()
		if err != nil {
			return nil, fmt.Errorf("load the spec for --validate-sample: %w", err)
		}
		env.validate = func(req *http.Request, reqBody []byte, resp *http.Response, respBody []byte) []string {
			vs := sp.ValidateExchange(req, reqBody, resp, respBody)
			out := make([]string, len(vs))
			for i, v := range vs {
				out[i] = v.String()
			}
			return out
		}
	}
	env.function = o.Function
	if env.function == "" {
		name := tempFunctionName(o.Scenario, o.Shard)
		api, err := env.api()
		if err != nil {
			return nil, fmt.Errorf("create the temporary function (or pass --function URN): %w", err)
		}
		urn, err := api.CreateFunction(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("create the temporary function %s (or pass --function URN): %w", name, err)
		}
		env.function = urn
		o.logf("created temporary function %s\n", urn)
		env.closers = append(env.closers, func(ctx context.Context) error {
			if err := api.DeleteFunction(ctx, urn); err != nil {
				return fmt.Errorf("delete the temporary function %s: %w", urn, err)
			}
			o.logf("deleted temporary function %s\n", urn)
			return nil
		})
	}
	ok = true
	return env, nil
}

// tempFunctionName names the temporary function for the scenario and shard,
// with a random suffix: shards started in the same second against one target
// must not collide (names are at most 60 characters).
func tempFunctionName(scenario string, sh Shard) string {
	name := fmt.Sprintf("fgh-load-%s-%d", strings.ReplaceAll(scenario, "-", ""), time.Now().Unix())
	if sh.Count > 1 {
		name += fmt.Sprintf("-s%d", sh.Index)
	}
	return fmt.Sprintf("%s-%06x", name, rand.Uint32()&0xffffff)
}

// close undoes prepare in reverse order; it runs even after an interrupt.
func (env *environment) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	var first error
	for i := len(env.closers) - 1; i >= 0; i-- {
		if err := env.closers[i](ctx); err != nil && first == nil {
			first = err
		}
	}
	env.closers = nil
	return first
}
