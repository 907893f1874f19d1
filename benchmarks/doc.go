// Package benchmarks holds wsgate's benchmarks that need baselines from
// outside the product (other rate limiters, a bare WebSocket server), kept
// in their own module so the product's go.mod stays small. Nothing in the
// product imports it.
package benchmarks
