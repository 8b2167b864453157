package reports

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Change-point detection in the E-divisive means style of Hunter / Apache
// Otava (Matteson & James 2014, as adapted by MongoDB): find the split that
// maximises the energy statistic between the two sides, keep it when a
// permutation test says such a split is unlikely in shuffled data, and
// bisect each side the same way.

// ChangePointOptions tunes ChangePoints.
type ChangePointOptions struct {
	Alpha        float64 // significance of the permutation test; 0.01 when zero
	Permutations int     // shuffles per test; 199 when zero
	MinSegment   int     // fewest points on each side of a split; 3 when zero
	// MinMagnitude ignores splits whose means differ by less than this
	// share of the earlier mean (0.05 = 5%).
	MinMagnitude float64
	Seed         uint64 // the shuffles are drawn from this seed, so results repeat
}

// ChangePoint is one detected shift: the series changes at Index (the first point after the shift).
type ChangePoint struct {
	Index      int     `json:"index"`
	P          float64 `json:"p"`
	MeanBefore float64 `json:"mean_before"` // over the segment before, up to the previous change point
	MeanAfter  float64 `json:"mean_after"`
	Change     float64 `json:"change"` // (after-before)/before
}

// ChangePoints returns the change points of xs in index order.
func ChangePoints(xs []float64, opts ChangePointOptions) []ChangePoint {
	if opts.Alpha == 0 {
		opts.Alpha = 0.01
	}
	if opts.Permutations == 0 {
		opts.Permutations = 199
	}
	if opts.MinSegment == 0 {
		opts.MinSegment = 3
	}
	rng := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x5851f42d4c957f2d))
	var idx []int
	var ps []float64
	var bisect func(lo, hi int)
	bisect = func(lo, hi int) {
		seg := xs[lo:hi]
		tau, q := bestSplit(seg, opts.MinSegment)
		if tau < 0 {
			return
		}
		before, after := mean(seg[:tau]), mean(seg[tau:])
		if before != 0 && math.Abs(after-before)/math.Abs(before) < opts.MinMagnitude {
			return
		}
		p := permutationP(seg, q, opts, rng)
		if p >= opts.Alpha {
			return
		}
		idx, ps = append(idx, lo+tau), append(ps, p)
		bisect(lo, lo+tau)
		bisect(lo+tau, hi)
	}
	bisect(0, len(xs))

	order := make([]int, len(idx))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return idx[order[a]] < idx[order[b]] })
	out := make([]ChangePoint, 0, len(idx))
	for k, i := range order {
		start, end := 0, len(xs)
		if k > 0 {
			start = idx[order[k-1]]
		}
		if k+1 < len(order) {
			end = idx[order[k+1]]
		}
		cp := ChangePoint{Index: idx[i], P: ps[i], MeanBefore: mean(xs[start:idx[i]]), MeanAfter: mean(xs[idx[i]:end])}
		if cp.MeanBefore != 0 {
			cp.Change = (cp.MeanAfter - cp.MeanBefore) / math.Abs(cp.MeanBefore)
		}
		out = append(out, cp)
	}
	return out
}

// permutationP is the share of shuffles of seg whose best split scores at
// least q, counting the observed order as one of them.
func permutationP(seg []float64, q float64, opts ChangePointOptions, rng *rand.Rand) float64 {
	perm := append([]float64(nil), seg...)
	atLeast := 0
	for i := 0; i < opts.Permutations; i++ {
		rng.Shuffle(len(perm), func(a, b int) { perm[a], perm[b] = perm[b], perm[a] })
		if _, qp := bestSplit(perm, opts.MinSegment); qp >= q {
			atLeast++
		}
	}
	return float64(atLeast+1) / float64(opts.Permutations+1)
}

// bestSplit returns the split tau (seg[:tau] | seg[tau:]) maximising the
// energy statistic
//
//	Q(tau) = m·n/(m+n) · (2/(m·n)·Σ|x−y| − 1/C(m,2)·Σ|x−x'| − 1/C(n,2)·Σ|y−y'|)
//
// with tau = -1 when seg is too short to split. It runs in O(len(seg)²).
func bestSplit(seg []float64, minSeg int) (tau int, q float64) {
	n := len(seg)
	minSeg = max(minSeg, 2)
	if n < 2*minSeg {
		return -1, 0
	}
	// rowToPrev[j] = Σ_{i<j} |x_j − x_i|; the within-left sum grows by it at each step.
	rowToPrev := make([]float64, n)
	total := 0.0
	for j := 0; j < n; j++ {
		s := 0.0
		for i := 0; i < j; i++ {
			s += math.Abs(seg[j] - seg[i])
		}
		rowToPrev[j] = s
		total += s
	}
	// rowToNext[j] = Σ_{k>j} |x_j − x_k|, for the within-right sums from the end.
	rowToNext := make([]float64, n)
	for j := 0; j < n; j++ {
		s := 0.0
		for k := j + 1; k < n; k++ {
			s += math.Abs(seg[j] - seg[k])
		}
		rowToNext[j] = s
	}
	withinRight := make([]float64, n+1) // withinRight[t] = Σ_{t≤j<k<n} |x_j − x_k|
	for t := n - 1; t >= 0; t-- {
		withinRight[t] = withinRight[t+1] + rowToNext[t]
	}
	tau, q = -1, math.Inf(-1)
	withinLeft := 0.0
	for t := 1; t < n; t++ {
		withinLeft += rowToPrev[t-1]
		m, k := float64(t), float64(n-t)
		if t < minSeg || n-t < minSeg {
			continue
		}
		cross := total - withinLeft - withinRight[t]
		e := 2*cross/(m*k) - withinLeft/(m*(m-1)/2) - withinRight[t]/(k*(k-1)/2)
		if v := m * k / (m + k) * e; v > q {
			tau, q = t, v
		}
	}
	return tau, q
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}
