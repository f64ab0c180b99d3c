-- wrk script: with WRK_PROJECTS=N each request asks for a random /simple/proj-NNNN/ page;
-- at the end, one machine-readable line with throughput, errors and latency percentiles.
local projects = tonumber(os.getenv("WRK_PROJECTS") or "0")

request = function()
  if projects > 0 then
    return wrk.format("GET", string.format("/simple/proj-%04d/", math.random(0, projects - 1)))
  end
  return wrk.format("GET")
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d duration_us=%d errors=%d non2xx=%d timeouts=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    e.timeout, latency:percentile(50), latency:percentile(99)))
end
