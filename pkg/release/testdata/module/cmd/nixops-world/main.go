// Command nixops-world is the second stand-in binary.
package main

var version = "dev"

func main() { println("nixops-world", version) }
