-- wrk script: short-polls that follow the cursor, as a migrating client would.
--   wrk -t1 -c50 -d10s -s bench/wrk/short-poll.lua --latency http://127.0.0.1:8080/
local cursor = nil
request = function()
  local path = "/poll?topics=prices.EURUSD,prices.USDJPY"
  if cursor then path = path .. "&after=" .. cursor end
  return wrk.format("GET", path)
end
response = function(status, headers, body)
  local c = body:match('"cursor":(%d+)')
  if c then cursor = c end
end
