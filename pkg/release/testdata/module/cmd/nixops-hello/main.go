// Command nixops-hello stands in for a suite binary: it prints the version
// stamped at release time. It uses only the runtime, so that building it for
// four platforms with a cold cache stays quick.
package main

var version = "dev"

func main() { println("nixops-hello", version) }
