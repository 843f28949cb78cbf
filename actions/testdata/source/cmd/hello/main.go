// Command hello is the smallest program bootstrap.sh can build from source.
package main

import "fmt"

func main() { fmt.Println("hello from source") }
