-- wrk script of bench/hot_path.py: one request per line of TOKENS (a bearer token each,
-- cycling), METHOD to PATH with BODY; counts the statuses and prints them at the end.
-- WRK_KEYS=1 sends an Idempotency-Key the way the H5 does: a new key per intent, and
-- every WRK_RETRY_EVERY-th request (default 10) a retry of the previous intent (its
-- user, its key: a replay).
local tokens = {}
for line in io.lines(os.getenv("WRK_TOKENS")) do tokens[#tokens + 1] = line end
local method = os.getenv("WRK_METHOD") or "POST"
local path = os.getenv("WRK_PATH")
local body = os.getenv("WRK_BODY")
local keyed = os.getenv("WRK_KEYS") == "1"
local retry_every = tonumber(os.getenv("WRK_RETRY_EVERY") or "10")
local prefix = string.format("%x%x", os.time(), math.random(0, 0xffffff))
local i = 0
local last_token, last_key = nil, nil
counts = {}

local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
end

function request()
  i = i + 1
  local token = tokens[(i - 1) % #tokens + 1]
  local headers = {}
  if keyed then
    local key
    if last_key ~= nil and i % retry_every == 0 then
      token, key = last_token, last_key  -- the same intent again: a retry
    else
      key = prefix .. "-" .. i
    end
    headers["Idempotency-Key"] = key
    last_token, last_key = token, key
  end
  headers["Authorization"] = "Bearer " .. token
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
