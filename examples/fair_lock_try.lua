-- fair_lock_try.lua: one try of the fair lock (examples/fair_lock.c), as a client would deploy it.
-- KEYS: lock, queue (list of tokens), timeouts (sorted set: token -> deadline, the client's wall clock in ms)
-- ARGV: token, ttl_ms, now_ms, wait_ms, skip ('1': drop the waiters at the head whose deadline passed)
-- Returns 1 acquired (or already mine), 2 acquired after dropping a dead waiter at the head, 0 queued.
local skipped = 0
if ARGV[5] == '1' then
  while true do
    local first = redis.call('LINDEX', KEYS[2], 0)
    if not first then break end
    local t = tonumber(redis.call('ZSCORE', KEYS[3], first))
    if t and t < tonumber(ARGV[3]) then
      redis.call('ZREM', KEYS[3], first)
      redis.call('LPOP', KEYS[2])
      skipped = 1
    else
      break
    end
  end
end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if redis.call('EXISTS', KEYS[1]) == 0 then
  local first = redis.call('LINDEX', KEYS[2], 0)
  if (not first) or first == ARGV[1] then
    if first then redis.call('LPOP', KEYS[2]) end
    redis.call('ZREM', KEYS[3], ARGV[1])
    redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
    return 1 + skipped
  end
end
if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then
  redis.call('RPUSH', KEYS[2], ARGV[1])
end
redis.call('ZADD', KEYS[3], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
return 0
