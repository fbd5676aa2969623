-- rw_lock's read acquire, in the style of Redisson's RedissonReadLock.
-- KEYS[1] the lock (a hash: "mode" = read|write, "<client>:r" = its read holds, "<client>:w" = its write holds),
-- KEYS[2] the caller's own reader lease (a string with the TTL: a reader that crashed stops renewing it).
-- ARGV[1] the TTL in ms, ARGV[2] the caller's name.
-- Returns nil when the read lock is held now, else the ms the lock has left (a writer holds it).
local mode = redis.call('hget', KEYS[1], 'mode')
if mode == false then
    redis.call('hset', KEYS[1], 'mode', 'read', ARGV[2] .. ':r', 1)
elseif mode == 'read' or (mode == 'write' and redis.call('hexists', KEYS[1], ARGV[2] .. ':w') == 1) then
    -- more readers, or the writer itself taking a read hold on top of its write hold
    redis.call('hincrby', KEYS[1], ARGV[2] .. ':r', 1)
else
    return redis.call('pttl', KEYS[1])
end
redis.call('set', KEYS[2], 1, 'px', ARGV[1])
local left = redis.call('pttl', KEYS[1])
redis.call('pexpire', KEYS[1], math.max(left, tonumber(ARGV[1])))
return nil
