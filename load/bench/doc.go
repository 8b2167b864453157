// Package bench measures the load generator itself against a bare Go server in a child process: CPU per paced request, highest sustained rate next to stock Vegeta, rate, latency and CPU next to stock bombardier, and memory over a million requests.
package bench
