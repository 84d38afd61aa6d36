// Package term tells whether a file is a terminal, for the programs that
// ask before they change anything: a question is only asked where someone
// can answer it, and progress is only drawn where someone watches.
package term
