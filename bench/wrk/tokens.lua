-- wrk script of bench/hot_path.py: one request per line of TOKENS (a bearer token each,
-- cycling), METHOD to PATH with BODY; counts the statuses and prints them at the end.
local tokens = {}
for line in io.lines(os.getenv("WRK_TOKENS")) do tokens[#tokens + 1] = line end
local method = os.getenv("WRK_METHOD") or "POST"
local path = os.getenv("WRK_PATH")
local body = os.getenv("WRK_BODY")
local i = 0
counts = {}

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function request()
  i = i + 1
  local headers = { ["Authorization"] = "Bearer " .. tokens[(i - 1) % #tokens + 1] }
  if body and body ~= "" then headers["Content-Type"] = "application/json" end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do io.write(string.format("status %d %d\n", status, n)) end
  end
end
