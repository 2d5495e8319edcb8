"""The Lua steps of the Redis gate, and the layout of a resource's Redis state.

All state of one resource lives under the hash tag `{rid}` so every script touches one
cluster slot: the hash `bk:{rid}:s` and one list per slot `bk:{rid}:q:<slot>` (waitlist
queue). Hash fields:

    epoch          random id of this copy of the state (a new one after every hydration)
    pl ops wl cons fc ht          policy (per-user limit, one per user per slot, waitlist,
                                  runs, full code, hold TTL)
    seq slots                     waitlist sequence, slot ids in start order
    c:<s> t:<s> b:<s>             capacity, "start:end" (epoch seconds), places booked
    u:<user>  us:<s>:<user>       live reservations of a user (per resource, per slot)
    L:<name>  U:<name>            extra counter limit and amount used
    closed                        "1" while the resource takes no new reservations
    i:<user>:<key>                idempotency key -> reservation id, or "P:<token>" in flight
    p:<seq>                       a waitlist entry whose database row is not committed yet

A waitlist queue entry is "seq|user|qty|s1,s2|name=n;name=n". Each script is a single
atomic step, so a request takes every place of a run and every counter, or nothing.
"""

from __future__ import annotations

# Helpers shared by the scripts (prepended to each).
_COMMON = r"""
local function num(v) if v then return tonumber(v) end return 0 end
local function split(s, sep)
  local out = {}
  if s == nil or s == '' then return out end
  for part in string.gmatch(s, '([^' .. sep .. ']+)') do out[#out + 1] = part end
  return out
end
local function parse_entry(entry)
  local f = {}
  local i = 1
  for part in string.gmatch(entry .. '|', '([^|]*)|') do f[i] = part; i = i + 1 end
  local counters = {}
  for _, pair in ipairs(split(f[5], ';')) do
    local eq = string.find(pair, '=', 1, true)
    counters[#counters + 1] = {string.sub(pair, 1, eq - 1), tonumber(string.sub(pair, eq + 1))}
  end
  return {seq = f[1], user = f[2], qty = tonumber(f[3]), slots = split(f[4], ','), counters = counters}
end
"""

# KEYS: state, queue of each slot of the run.
# ARGV: user, qty, idem ('' = none), token, want_waitlist, n, slot*n, (counter, amount)*
RESERVE = (
    _COMMON
    + r"""
local H = KEYS[1]
local epoch = redis.call('HGET', H, 'epoch')
if not epoch then return {'MISSING'} end
local user, qty, idem, token, wantwl = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5]
local n = tonumber(ARGV[6])
local slots = {}
for i = 1, n do slots[i] = ARGV[6 + i] end
local names, amounts = {}, {}
local j = 7 + n
while j < #ARGV do
  names[#names + 1] = ARGV[j]; amounts[#amounts + 1] = tonumber(ARGV[j + 1]); j = j + 2
end
local ikey = nil
if idem ~= '' then
  ikey = 'i:' .. user .. ':' .. idem
  local got = redis.call('HGET', H, ikey)
  if got then return {'REPLAY', got} end
end
if redis.call('HGET', H, 'closed') == '1' then return {'CLOSED'} end
local caps, booked, starts, ends = {}, {}, {}, {}
for i = 1, n do
  local c = redis.call('HGET', H, 'c:' .. slots[i])
  if not c then return {'NOSLOT', slots[i]} end
  caps[i] = tonumber(c)
  booked[i] = num(redis.call('HGET', H, 'b:' .. slots[i]))
  local t = split(redis.call('HGET', H, 't:' .. slots[i]), ':')
  starts[i] = tonumber(t[1]); ends[i] = tonumber(t[2])
end
if n > 1 then
  if redis.call('HGET', H, 'cons') ~= '1' then return {'INVALID', 'run'} end
  for i = 1, n - 1 do
    if ends[i] ~= starts[i + 1] then return {'INVALID', 'gap'} end
  end
end
for k = 1, #names do
  if not redis.call('HGET', H, 'L:' .. names[k]) then return {'NOCOUNTER', names[k]} end
end
if redis.call('HGET', H, 'ops') == '1' then
  for i = 1, n do
    if num(redis.call('HGET', H, 'us:' .. slots[i] .. ':' .. user)) > 0 then return {'DUP', slots[i]} end
  end
end
local limit = tonumber(redis.call('HGET', H, 'pl') or '-1')
if limit >= 0 and num(redis.call('HGET', H, 'u:' .. user)) >= limit then
  return {'LIMIT', tostring(limit)}
end
local full = nil
for i = 1, n do
  if booked[i] + qty > caps[i] then full = i; break end
end
local fc = redis.call('HGET', H, 'fc')
if full then
  if wantwl == '1' and redis.call('HGET', H, 'wl') == '1' then
    local seq = redis.call('HINCRBY', H, 'seq', 1)
    local parts = {}
    for k = 1, #names do parts[k] = names[k] .. '=' .. amounts[k] end
    local entry = seq .. '|' .. user .. '|' .. qty .. '|' .. table.concat(slots, ',') .. '|' .. table.concat(parts, ';')
    for i = 1, n do redis.call('RPUSH', KEYS[1 + i], entry) end
    redis.call('HSET', H, 'p:' .. seq, token)
    redis.call('HINCRBY', H, 'u:' .. user, 1)
    for i = 1, n do redis.call('HINCRBY', H, 'us:' .. slots[i] .. ':' .. user, 1) end
    if ikey then redis.call('HSET', H, ikey, 'P:' .. token) end
    local caplist = {}
    for i = 1, n do caplist[i] = tostring(caps[i]) end
    return {'WAIT', epoch, table.concat(caplist, ','), redis.call('HGET', H, 'ops'), redis.call('HGET', H, 'ht') or '-1', tostring(seq)}
  end
  local out = {'FULL', slots[full], fc or 'slot_full', starts[full] .. ':' .. ends[full]}
  if n == 1 then
    for _, s in ipairs(split(redis.call('HGET', H, 'slots'), ',')) do
      if s ~= slots[1] then
        local free = num(redis.call('HGET', H, 'c:' .. s)) - num(redis.call('HGET', H, 'b:' .. s))
        if free >= qty then
          out[#out + 1] = s; out[#out + 1] = redis.call('HGET', H, 't:' .. s); out[#out + 1] = tostring(free)
        end
      end
    end
  end
  return out
end
for k = 1, #names do
  local used = num(redis.call('HGET', H, 'U:' .. names[k]))
  if used + amounts[k] > tonumber(redis.call('HGET', H, 'L:' .. names[k])) then
    return {'COUNTER', names[k]}
  end
end
for i = 1, n do redis.call('HINCRBY', H, 'b:' .. slots[i], qty) end
for k = 1, #names do redis.call('HINCRBY', H, 'U:' .. names[k], amounts[k]) end
redis.call('HINCRBY', H, 'u:' .. user, 1)
for i = 1, n do redis.call('HINCRBY', H, 'us:' .. slots[i] .. ':' .. user, 1) end
if ikey then redis.call('HSET', H, ikey, 'P:' .. token) end
local caplist = {}
for i = 1, n do caplist[i] = tostring(caps[i]) end
return {'OK', epoch, table.concat(caplist, ','), redis.call('HGET', H, 'ops'), redis.call('HGET', H, 'ht') or '-1'}
"""
)

# After the commit: the idempotency key now names the reservation; a waitlist entry
# is no longer pending. KEYS: state. ARGV: ikey ('' = none), token, reservation id, seq.
FINALIZE = r"""
local H = KEYS[1]
if ARGV[1] ~= '' and redis.call('HGET', H, ARGV[1]) == 'P:' .. ARGV[2] then
  redis.call('HSET', H, ARGV[1], ARGV[3])
end
if ARGV[4] ~= '' and redis.call('HGET', H, 'p:' .. ARGV[4]) == ARGV[2] then
  redis.call('HDEL', H, 'p:' .. ARGV[4])
end
return 1
"""

# The database write failed: give back what RESERVE took, but only to the copy of the
# state it was taken from (a rehydrated copy never counted it).
# KEYS: state, queue of each slot. ARGV: epoch, user, qty, ikey, token, mode (take|wait),
# seq, n, slot*n, (counter, amount)*
COMPENSATE = (
    _COMMON
    + r"""
local H = KEYS[1]
if redis.call('HGET', H, 'epoch') ~= ARGV[1] then return 0 end
local user, qty, ikey, token, mode, seq = ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local n = tonumber(ARGV[8])
for i = 1, n do
  local s = ARGV[8 + i]
  if mode == 'take' then redis.call('HINCRBY', H, 'b:' .. s, -qty) end
  redis.call('HINCRBY', H, 'us:' .. s .. ':' .. user, -1)
end
local j = 9 + n
while j < #ARGV do
  if mode == 'take' then redis.call('HINCRBY', H, 'U:' .. ARGV[j], -tonumber(ARGV[j + 1])) end
  j = j + 2
end
redis.call('HINCRBY', H, 'u:' .. user, -1)
if mode == 'wait' then
  for i = 2, #KEYS do
    for _, entry in ipairs(redis.call('LRANGE', KEYS[i], 0, -1)) do
      if string.sub(entry, 1, #seq + 1) == seq .. '|' then redis.call('LREM', KEYS[i], 1, entry) end
    end
  end
  redis.call('HDEL', H, 'p:' .. seq)
end
if ikey ~= '' and redis.call('HGET', H, ikey) == 'P:' .. token then redis.call('HDEL', H, ikey) end
return 1
"""
)

# Give back the places of a committed cancellation (to the copy of the state read in
# its transaction), then promote the waitlist heads that now fit, in one step.
# KEYS: state, queue of each slot of the reservation.
# ARGV: epoch, user, qty, was_occupying, was_live, seq ('' = never waited), queue prefix,
#       n, slot*n, (counter, amount)*
RELEASE = (
    _COMMON
    + r"""
local H = KEYS[1]
local cur = redis.call('HGET', H, 'epoch')
if not cur then return {'MISSING'} end
local user, qty, occ, live, seq, prefix = ARGV[2], tonumber(ARGV[3]), ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local n = tonumber(ARGV[8])
if cur == ARGV[1] then
  for i = 1, n do
    local s = ARGV[8 + i]
    if occ == '1' then redis.call('HINCRBY', H, 'b:' .. s, -qty) end
    if live == '1' then redis.call('HINCRBY', H, 'us:' .. s .. ':' .. user, -1) end
  end
  local j = 9 + n
  while j < #ARGV do
    if occ == '1' then redis.call('HINCRBY', H, 'U:' .. ARGV[j], -tonumber(ARGV[j + 1])) end
    j = j + 2
  end
  if live == '1' then redis.call('HINCRBY', H, 'u:' .. user, -1) end
  if seq ~= '' then
    for i = 2, #KEYS do
      for _, entry in ipairs(redis.call('LRANGE', KEYS[i], 0, -1)) do
        if string.sub(entry, 1, #seq + 1) == seq .. '|' then redis.call('LREM', KEYS[i], 1, entry) end
      end
    end
  end
end
local out = {'OK', cur}
for i = 2, #KEYS do
  while true do
    local head = redis.call('LINDEX', KEYS[i], 0)
    if not head then break end
    local e = parse_entry(head)
    if redis.call('HEXISTS', H, 'p:' .. e.seq) == 1 then break end
    local fits = true
    for _, s in ipairs(e.slots) do
      if num(redis.call('HGET', H, 'b:' .. s)) + e.qty > num(redis.call('HGET', H, 'c:' .. s)) then fits = false end
    end
    for _, c in ipairs(e.counters) do
      if num(redis.call('HGET', H, 'U:' .. c[1])) + c[2] > num(redis.call('HGET', H, 'L:' .. c[1])) then fits = false end
    end
    if not fits then break end
    for _, s in ipairs(e.slots) do
      redis.call('HINCRBY', H, 'b:' .. s, e.qty)
      redis.call('LREM', prefix .. s, 1, head)
    end
    for _, c in ipairs(e.counters) do redis.call('HINCRBY', H, 'U:' .. c[1], c[2]) end
    out[#out + 1] = head
  end
end
return out
"""
)

# Undo promotions whose database write did not happen: give the places back, and put
# the entry back at the head of its queues (requeue=1) unless it is no longer waiting
# (cancelled meanwhile: its cancellation already released its live counts).
# KEYS: state. ARGV: epoch, queue prefix, (entry, requeue 0/1)* in promotion order.
UNPROMOTE = (
    _COMMON
    + r"""
local H = KEYS[1]
if redis.call('HGET', H, 'epoch') ~= ARGV[1] then return 0 end
local prefix = ARGV[2]
local j = #ARGV - 1
while j >= 3 do
  local e = parse_entry(ARGV[j])
  for _, s in ipairs(e.slots) do
    redis.call('HINCRBY', H, 'b:' .. s, -e.qty)
    if ARGV[j + 1] == '1' then redis.call('LPUSH', prefix .. s, ARGV[j]) end
  end
  for _, c in ipairs(e.counters) do redis.call('HINCRBY', H, 'U:' .. c[1], -c[2]) end
  j = j - 2
end
return 1
"""
)

# A finished reservation keeps its places but is no longer live.
# KEYS: state. ARGV: epoch, user, n, slot*n
FINISH = r"""
local H = KEYS[1]
if redis.call('HGET', H, 'epoch') ~= ARGV[1] then return 0 end
local n = tonumber(ARGV[3])
redis.call('HINCRBY', H, 'u:' .. ARGV[2], -1)
for i = 1, n do redis.call('HINCRBY', H, 'us:' .. ARGV[3 + i] .. ':' .. ARGV[2], -1) end
return 1
"""

# Write a whole copy of the state computed from the database. Only if none exists (a
# hash without an epoch is debris of a lost copy, not a copy),
# unless forced (reconcile). KEYS: state, every queue. ARGV: force, m, (field, value)*m,
# then for each queue: count, entry*count.
HYDRATE = r"""
local H = KEYS[1]
if ARGV[1] ~= '1' and redis.call('HEXISTS', H, 'epoch') == 1 then return 0 end
redis.call('DEL', H)
for k = 2, #KEYS do redis.call('DEL', KEYS[k]) end
local m = tonumber(ARGV[2])
local idx = 3
local last = 2 + 2 * m
while idx <= last do
  local stop = math.min(idx + 999, last)
  redis.call('HSET', H, unpack(ARGV, idx, stop))
  idx = stop + 1
end
for k = 2, #KEYS do
  local cnt = tonumber(ARGV[idx]); idx = idx + 1
  local stop_at = idx + cnt - 1
  while idx <= stop_at do
    local stop = math.min(idx + 999, stop_at)
    redis.call('RPUSH', KEYS[k], unpack(ARGV, idx, stop))
    idx = stop + 1
  end
end
return 1
"""

# New slots or counters on a live copy: definitions are set, counts only if absent.
# KEYS: state. ARGV: ndef, (field, value)*ndef, (field, value)* set-if-absent
PATCH = r"""
local H = KEYS[1]
if redis.call('HEXISTS', H, 'epoch') == 0 then return 0 end
local ndef = tonumber(ARGV[1])
local j = 2
for _ = 1, ndef do redis.call('HSET', H, ARGV[j], ARGV[j + 1]); j = j + 2 end
while j < #ARGV do redis.call('HSETNX', H, ARGV[j], ARGV[j + 1]); j = j + 2 end
return 1
"""

# Lower capacities and counter limits, or close the resource, only if what is taken
# fits: checked and applied in one step, so no request can take a place between the
# check and the change. Raised values are not set here (the database commits them first,
# then booking/store.patch copies them). All or nothing.
# KEYS: state. ARGV: close ('1' or ''), n, (slot, capacity)*n, (counter, limit)*
TIGHTEN = r"""
local H = KEYS[1]
if redis.call('HEXISTS', H, 'epoch') == 0 then return {'MISSING'} end
local n = tonumber(ARGV[2])
local below = {}
for i = 1, n do
  local s, cap = ARGV[1 + 2 * i], tonumber(ARGV[2 + 2 * i])
  local taken = tonumber(redis.call('HGET', H, 'b:' .. s) or '0')
  if taken > cap then below[#below + 1] = 'b:' .. s; below[#below + 1] = tostring(taken) end
end
local j = 3 + 2 * n
while j < #ARGV do
  local used = tonumber(redis.call('HGET', H, 'U:' .. ARGV[j]) or '0')
  if used > tonumber(ARGV[j + 1]) then below[#below + 1] = 'U:' .. ARGV[j]; below[#below + 1] = tostring(used) end
  j = j + 2
end
if #below > 0 then
  table.insert(below, 1, 'BELOW')
  return below
end
for i = 1, n do
  local s, cap = ARGV[1 + 2 * i], tonumber(ARGV[2 + 2 * i])
  local c = redis.call('HGET', H, 'c:' .. s)
  if c and tonumber(c) > cap then redis.call('HSET', H, 'c:' .. s, cap) end
end
j = 3 + 2 * n
while j < #ARGV do
  local l = redis.call('HGET', H, 'L:' .. ARGV[j])
  if l and tonumber(l) > tonumber(ARGV[j + 1]) then redis.call('HSET', H, 'L:' .. ARGV[j], ARGV[j + 1]) end
  j = j + 2
end
if ARGV[1] == '1' then redis.call('HSET', H, 'closed', '1') end
return {'OK'}
"""

# Release the short hydration lock only if we still own it.
UNLOCK = r"""
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
