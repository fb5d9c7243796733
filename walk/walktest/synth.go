package walktest

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// synthBase is the first synthetic pid.
const synthBase = 10000

// synthUsers is the number of distinct synthetic users (and shared ucreds).
const synthUsers = 32

// synthTable returns n synthetic user processes: blocks of four, a login
// shell (session and group leader, a child of sshd) and three workers in one
// job group, with 1, 2, 4 or 10 LWPs (2.5 on average).
func synthTable(n int, seed uint64, creds map[string]credSpec, sess map[int32]sessSpec) []procSpec {
	rng := rand.New(rand.NewPCG(seed, 0x5eed5))
	waits := []struct{ wmesg, wchan string }{
		{"select", "heap:selwait"}, {"kqread", "heap:synth-kq"}, {"umtxn", "heap:synth-umtx"},
		{"nanslp", "sym:pause_wchan"},
	}
	for u := 0; u < synthUsers; u++ {
		id := uint32(2000 + u)
		creds[fmt.Sprintf("user%d", u)] = credSpec{id, id, id, id, id, []uint32{id, 100}, false}
	}
	out := make([]procSpec, 0, n)
	for i := 0; i < n; i++ {
		pid := int32(synthBase + i)
		leader := int32(synthBase + i - i%4)
		user := fmt.Sprintf("user%d", (i/4)%synthUsers)
		s := procSpec{pid: pid, sid: leader, cred: user, stat: "SACTIVE", flags: pExec,
			vm: vmSmall, start: 1000 + int64(i/16)}
		if i%4 == 0 {
			sess[leader] = sessSpec{login: user}
			s.ppid, s.pgid, s.comm, s.args = 601, pid, "sh", []string{"-sh"}
			s.lwps = one("wait", "self", int32(i%ncpus))
		} else {
			s.ppid, s.pgid, s.comm = leader, leader+1, "worker"
			s.args = []string{"worker", "-n", strconv.Itoa(i)}
			k := 1
			switch r := rng.IntN(100); {
			case r >= 90:
				k = 10
			case r >= 75:
				k = 4
			case r >= 60:
				k = 2
			}
			// Leaders have one LWP; workers carry the rest so that the
			// average over all processes is 2.5.
			if rng.IntN(2) == 0 {
				k++
			}
			for t := 0; t < k; t++ {
				w := waits[rng.IntN(len(waits))]
				s.lwps = append(s.lwps, sleeping(int32(t+1), w.wmesg, w.wchan, int32(rng.IntN(ncpus))))
			}
		}
		out = append(out, s)
	}
	return out
}
