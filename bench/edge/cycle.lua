-- wrk script: cycle through the requests of a file, so that the server under
-- test sees many different targets and Host headers, not one URL.
--
--   wrk -t2 -c64 -d20s -s cycle.lua http://127.0.0.1:PORT -- REQUESTS.tsv 2
--
-- (the 2 after the file: wrk's thread count.)
-- REQUESTS.tsv: "host<TAB>target" per line (check.py writes it). Every request
-- is formatted once, in init(); request() only hands out the next string.
-- Thread k of n starts at the k/n-th line, so the threads do not send the
-- same sequence. done() prints one machine-readable line, "WRK_RESULT {json}",
-- which run.sh parses.

local thread_count = 0

function setup(thread)
   thread:set("id", thread_count)
   thread_count = thread_count + 1
end

local requests = {}
local n = 0
local i = 0

function init(args)
   local path = args[1]
   if not path then
      error("cycle.lua: give the requests file after --")
   end
   for line in io.lines(path) do
      local host, target = line:match("^([^\t]*)\t(.*)$")
      if host then
         n = n + 1
         requests[n] = wrk.format("GET", target, { ["Host"] = host })
      end
   end
   if n == 0 then
      error("cycle.lua: no requests in " .. path)
   end
   -- spread the threads' starting points (id is set by setup before init)
   local threads = tonumber(args[2]) or 1
   i = math.floor(n * (id or 0) / threads) % n
end

function request()
   i = i + 1
   if i > n then
      i = 1
   end
   return requests[i]
end

function done(summary, latency, requests_)
   local s = summary
   local e = s.errors
   io.write(string.format(
      'WRK_RESULT {"requests":%d,"duration_us":%d,"bytes":%d,"rps":%.1f,' ..
      '"lat_mean_us":%.1f,"lat_stdev_us":%.1f,"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_max_us":%d,' ..
      '"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,"err_timeout":%d}\n',
      s.requests, s.duration, s.bytes, s.requests / (s.duration / 1e6),
      latency.mean, latency.stdev, latency:percentile(50), latency:percentile(90),
      latency:percentile(99), latency.max,
      e.connect, e.read, e.write, e.status, e.timeout))
end
