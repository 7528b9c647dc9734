-- The summary line every load script prints: latency percentiles, requests
-- and errors (socket errors and non-2xx answers).
return function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "p50=%.3fms p99=%.3fms max=%.3fms requests=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout))
end
