package threepc

import "github.com/dsimlab/dsim/protocols"

// Bugs is empty: the interesting failure of 3PC (atomicity lost under a
// partition) happens with the correct protocol.
var Bugs []protocols.Bug
