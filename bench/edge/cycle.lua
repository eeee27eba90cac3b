-- wrk script: cycle through the requests of a file, so that the server under
-- test sees many different targets and Host headers, not one URL.
--
--   wrk -t2 -c64 -d20s -s cycle.lua http://127.0.0.1:PORT -- REQUESTS.tsv 2 [DEPTH]
--
-- (the 2 after the file: wrk's thread count. DEPTH, default 1: requests
-- pipelined per round trip; with DEPTH > 1 each request() hands out DEPTH
-- requests in one string, as wrk's own pipeline.lua does, so that wrk's
-- per-request Lua cost no longer limits what a server is sent. wrk then
-- counts every answer, and its latency is that of a whole batch.)
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
   -- batches of DEPTH consecutive requests, cycling through the file
   local depth = tonumber(args[3]) or 1
   if depth > 1 then
      local batches = {}
      for b = 1, n do
         local parts = {}
         for k = 0, depth - 1 do
            parts[k + 1] = requests[((b - 1 + k) % n) + 1]
         end
         batches[b] = table.concat(parts)
      end
      -- consecutive calls take batches DEPTH apart, so every request is sent
      local step = depth
      requests = batches
      request = function()
         i = i + step
         if i > n then
            i = i - n
         end
         return requests[i]
      end
   end
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
