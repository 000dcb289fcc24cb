// Command pbkv is dsim's command line with the pbkv store registered beside
// dsim's own protocols: pbkv run, fuzz, tui, check and list all know it.
package main

import (
	"example.com/pbkv"
	"github.com/dsimlab/dsim/cmd/cli"
)

func main() { cli.Main(pbkv.Protocol) }
