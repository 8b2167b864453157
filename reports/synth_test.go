package reports

import (
	"math"
	"math/rand/v2"
	"sort"
	"time"
)

// knownToken stands in for a credential a producer might have leaked; no
// rendering may contain it.
const knownToken = "MIIZ-known-token-0123456789abcdef"

// synthReport builds a plausible sync-invoke report of a server whose
// latencies are lognormal around medianMS, with per-second noise from seed.
func synthReport(seed uint64, medianMS float64, seconds int) *Report {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	const rate = 200.0
	start := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	r := &Report{
		SchemaVersion: SchemaVersion, Scenario: "sync-invoke", Attack: "constant",
		Target: "http://127.0.0.1:8000", Function: "urn:fss:cn-north-4:0123456789abcdef:function:default:hello:latest",
		StartedAt: start, EndedAt: start.Add(time.Duration(seconds) * time.Second), DurationS: float64(seconds),
		RateRPS: rate, StatusCodes: map[string]int64{},
		Settings: map[string]string{"rate": "200/s", "duration": "60s", "token": knownToken, "sk": knownToken, "x-auth-token": knownToken},
	}
	var all, svc []float64
	for s := 0; s < seconds; s++ {
		sec := Second{T: float64(s), AskedRPS: rate}
		var lat, st []float64
		for i := 0; i < int(rate); i++ {
			v := medianMS * math.Exp(0.35*rng.NormFloat64())
			if rng.Float64() < 0.01 {
				v *= 4 // a tail
			}
			late := 0.0
			if rng.Float64() < 0.003 {
				late = 2 + rng.Float64()*3
				sec.Late++
			}
			queue := 0.6 * rng.ExpFloat64() // waiting for a connection before the request left
			lat, st = append(lat, v+queue+late), append(st, v)
		}
		sec.Count = int64(len(lat))
		if s%17 == 5 {
			sec.Errors = 1 + int64(rng.IntN(3))
		}
		sec.AchievedRPS = round3(rate - float64(sec.Errors) - rng.Float64())
		sec.P50, sec.P99 = round3(quantile(lat, 0.5)), round3(quantile(lat, 0.99))
		sec.ServiceP50, sec.ServiceP99 = round3(quantile(st, 0.5)), round3(quantile(st, 0.99))
		r.Series = append(r.Series, sec)
		r.Requests += sec.Count
		r.Successes += sec.Count - sec.Errors
		r.LateRequests += sec.Late
		r.StatusCodes["200"] += sec.Count - sec.Errors
		if sec.Errors > 0 {
			r.StatusCodes["500"] += sec.Errors
		}
		all, svc = append(all, lat...), append(svc, st...)
	}
	r.SuccessRatio = float64(r.Successes) / float64(r.Requests)
	r.ThroughputRPS = float64(r.Successes) / float64(seconds)
	r.AchievedRPS = float64(r.Requests) / float64(seconds)
	r.Latency, r.ServiceTime = summarise(all), summarise(svc)
	r.BytesIn, r.BytesOut = r.Requests*312, r.Requests*64
	if fails := r.Requests - r.Successes; fails > 0 {
		r.Errors = []ErrorCount{{Message: "500 Internal Server Error (X-Auth-Token: " + knownToken + ")", Count: fails}}
	}
	return r
}

// synthFanout adds a three-extension fan-out account to r.
func synthFanout(r *Report) *Report {
	r.Scenario, r.Attack = "extension-fanout", "constant"
	inv := r.Requests
	r.Fanout = &Fanout{Extensions: 3, Invocations: inv, Expected: 3 * inv, Latency: Percentiles{Min: 0.4, Mean: 2.1, P50: 1.8, P90: 3.2, P95: 4, P99: 7.5, P999: 15, P9999: 22, Max: 31}}
	for i, name := range []string{"telemetry", "log-shipper", "tracer"} {
		missing := int64(i * 3)
		e := ExtensionDelivery{Name: name, Address: "http://127.0.0.1:90" + string(rune('0'+i)), Delivered: inv - missing, Missing: missing, Duplicates: int64(i), AfterAnswer: int64(2 * i), Latency: r.Fanout.Latency}
		r.Fanout.PerExtension = append(r.Fanout.PerExtension, e)
		r.Fanout.Delivered += e.Delivered
		r.Fanout.Missing += e.Missing
		r.Fanout.Duplicates += e.Duplicates
		r.Fanout.AfterAnswer += e.AfterAnswer
	}
	r.Fanout.DeliveredRatio = float64(r.Fanout.Delivered) / float64(r.Fanout.Expected)
	return r
}

func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func summarise(xs []float64) Percentiles {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	sum := 0.0
	for _, v := range s {
		sum += v
	}
	r3 := round3
	q := func(p float64) float64 { return r3(s[min(len(s)-1, int(p*float64(len(s))))]) }
	return Percentiles{Min: r3(s[0]), Mean: r3(sum / float64(len(s))), P50: q(0.5), P90: q(0.9), P95: q(0.95), P99: q(0.99), P999: q(0.999), P9999: q(0.9999), Max: r3(s[len(s)-1])}
}

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
