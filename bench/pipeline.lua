-- wrk script: each write carries DEPTH pipelined GETs of the target URL (DEPTH = the first script argument, default 16).
-- Used by the bench's http-pipelined case: wrk -t1 -c64 -s bench/pipeline.lua URL -- 16
init = function(args)
  local depth = tonumber(args[1]) or 16
  local r = {}
  for i = 1, depth do
    r[i] = wrk.format(nil)
  end
  req = table.concat(r)
end

request = function()
  return req
end
