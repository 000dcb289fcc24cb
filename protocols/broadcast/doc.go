// Package broadcast is a gossip broadcast: each node originates values now
// and then, and every node passes every value it learns to each peer,
// retrying until that peer acknowledges it. Once the network heals, every
// live node holds every value that was ever originated.
//
// It is dsim's smallest protocol: enough to exercise the kernel (messages,
// timers, durable records, crashes, partitions, loss) and to teach eventual
// delivery, without the machinery of consensus.
//
// Like every protocol package it imports only protocols, clock and the
// standard library.
package broadcast
