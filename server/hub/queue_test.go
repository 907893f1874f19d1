package hub

import (
	"math/rand/v2"
	"testing"
)

// TestSendQueueMatchesSlice drives sendQueue with random pushes and pops
// and checks it against a plain slice: the same order, the same refusals
// at max, and storage that never grows past max slots.
func TestSendQueueMatchesSlice(t *testing.T) {
	for _, max := range []int{1, 2, 7, 8, 9, 128} {
		rng := rand.New(rand.NewPCG(uint64(max), 1))
		q := sendQueue{max: max}
		var model []int
		next := 0
		for step := range 5000 {
			if rng.IntN(3) < 2 { // push twice as often as pop, to fill up
				ok := q.push(outMsg{payload: []byte{byte(next)}, binary: next%2 == 1})
				if want := len(model) < max; ok != want {
					t.Fatalf("max %d step %d: push got %v, want %v", max, step, ok, want)
				}
				if ok {
					model = append(model, next)
				}
				next++
			} else {
				m, ok := q.pop()
				if want := len(model) > 0; ok != want {
					t.Fatalf("max %d step %d: pop got %v, want %v", max, step, ok, want)
				}
				if ok {
					if m.payload[0] != byte(model[0]) || m.binary != (model[0]%2 == 1) {
						t.Fatalf("max %d step %d: pop got %v, want %d", max, step, m, model[0])
					}
					model = model[1:]
				}
			}
			if q.len() != len(model) || cap(q.buf) > max {
				t.Fatalf("max %d step %d: got len %d cap %d, want len %d cap <= %d",
					max, step, q.len(), cap(q.buf), len(model), max)
			}
		}
	}
}

// TestSendQueueAllocatesOnFirstUse checks that an unused queue holds no
// storage and that a queue cycling within its capacity stops allocating.
func TestSendQueueAllocatesOnFirstUse(t *testing.T) {
	q := sendQueue{max: 128}
	if q.buf != nil {
		t.Fatalf("got storage of %d slots before use, want none", cap(q.buf))
	}
	q.push(outMsg{})
	if got := cap(q.buf); got != minQueueSlots {
		t.Errorf("got %d slots after one push, want %d", got, minQueueSlots)
	}
	q.pop()

	allocs := testing.AllocsPerRun(100, func() {
		for range minQueueSlots {
			q.push(outMsg{})
		}
		for range minQueueSlots {
			q.pop()
		}
	})
	if allocs != 0 {
		t.Errorf("got %v allocations cycling within capacity, want 0", allocs)
	}
}

// TestSendQueueDropsPoppedPayloads checks that a popped slot no longer
// holds its payload, which fan-out shares between many queues.
func TestSendQueueDropsPoppedPayloads(t *testing.T) {
	q := sendQueue{max: 4}
	q.push(outMsg{payload: []byte("a")})
	q.push(outMsg{payload: []byte("b")})
	q.pop()
	if got := q.buf[:cap(q.buf)][0].payload; got != nil {
		t.Errorf("got %q left in a popped slot, want nil", got)
	}
}
