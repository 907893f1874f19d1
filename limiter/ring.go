package limiter

// A ring is one key's last Max attempt times, oldest first, in 3 bytes an
// attempt: ticks after the shard's base (see clock.go), little endian, 0
// meaning "no attempt". Entries never decrease from index 0 to Max-1, and
// empty entries sit at the front, so the oldest remembered attempt is at
// index 0 and the newest at Max-1.
//
// Three bytes hold 2^24 ticks: with a window of at most 2^22 ticks the base
// moves forward at most every 2^23 ticks (a "rebase", O(keys) once in a
// few hours; see shard.go). Three bytes rather than four are what keep a tracked key under
// 200 bytes at Max = 20; see doc.go.
type ring []byte

// entryBytes is the size of one attempt time in a ring.
const entryBytes = 3

// maxTick is the largest time a ring entry can hold.
const maxTick = 1<<(8*entryBytes) - 1

func (r ring) at(i int) int64 {
	b := r[i*entryBytes : i*entryBytes+entryBytes : i*entryBytes+entryBytes]
	return int64(b[0]) | int64(b[1])<<8 | int64(b[2])<<16
}

func (r ring) set(i int, v int64) {
	b := r[i*entryBytes : i*entryBytes+entryBytes : i*entryBytes+entryBytes]
	b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16)
}

func (r ring) len() int { return len(r) / entryBytes }

// push drops the oldest entry and appends v as the newest; v must not be
// older than the newest entry.
func (r ring) push(v int64) {
	copy(r, r[entryBytes:])
	r.set(r.len()-1, v)
}

// insert puts v in its sorted place, dropping the oldest entry; when the
// ring is full and v is older than everything in it, v is not among the
// last Max attempts and is dropped instead.
func (r ring) insert(v int64) {
	if oldest := r.at(0); oldest != 0 && v < oldest {
		return
	}
	i := r.len() - 1
	for i > 0 && r.at(i) > v {
		i--
	}
	copy(r[:i*entryBytes], r[entryBytes:(i+1)*entryBytes])
	r.set(i, v)
}

// countAfter returns how many entries are later than cutoff. Entries are
// sorted with the empty ones (0) first, so those later than cutoff (and
// not empty) are a suffix, found by binary search: 5 probes at Max = 20
// where a scan would read up to 20 entries.
func (r ring) countAfter(cutoff int64) int {
	cutoff = max(cutoff, 0)
	lo, hi := 0, r.len() // the suffix starts in [lo, hi]
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r.at(mid) > cutoff {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return r.len() - lo
}

// rebase subtracts delta from every entry, emptying those that would fall
// to zero or below: they are older than the new base, hence outside the
// window of any time the shard will still see.
func (r ring) rebase(delta int64) {
	for i := range r.len() {
		v := r.at(i)
		if v <= delta {
			v = 0
		} else {
			v -= delta
		}
		r.set(i, v)
	}
}
