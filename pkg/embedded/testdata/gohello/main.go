// Command hello is linked into a store path fixture so that the Go module
// build info cataloger has a real binary with one real dependency to read.
package main

import (
	"fmt"

	"golang.org/x/text/language"
)

func main() { fmt.Println(language.English) }
