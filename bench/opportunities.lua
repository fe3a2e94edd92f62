-- wrk script for bench/opportunities.sh: each request takes the next path of a list, so that
-- the load mixes the realistic queries instead of hammering one URL.
--   wrk -t2 -c64 -d20s --latency -s bench/opportunities.lua http://127.0.0.1:8093 -- URLS_FILE
-- URLS_FILE holds one path per line; lines starting with '#' are skipped. Threads start at
-- different places of the list. No response() callback: it would make wrk parse every body
-- in Lua and cap the load; wrk still counts non-2xx/3xx answers ("Non-2xx or 3xx responses").

local paths = {}
local counter = 1
local thread_id = 0

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
end

function init(args)
  local file = args[1] or error("usage: -- URLS_FILE")
  for line in io.lines(file) do
    if line ~= "" and line:sub(1, 1) ~= "#" then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then error("no path in " .. file) end
  counter = (id or 0) * 7 + 1
end

function request()
  local path = paths[(counter % #paths) + 1]
  counter = counter + 1
  return wrk.format("GET", path)
end
