-- rw_lock's write acquire, in the style of Redisson's RedissonWriteLock.
-- KEYS[1] the lock hash; ARGV[1] the TTL in ms, ARGV[2] the caller's name.
-- Returns nil when the write lock is held now (reentrant for its holder), else the ms the lock has left.
local mode = redis.call('hget', KEYS[1], 'mode')
if mode == false then
    redis.call('hset', KEYS[1], 'mode', 'write', ARGV[2] .. ':w', 1)
    redis.call('pexpire', KEYS[1], ARGV[1])
    return nil
end
if mode == 'write' and redis.call('hexists', KEYS[1], ARGV[2] .. ':w') == 1 then
    redis.call('hincrby', KEYS[1], ARGV[2] .. ':w', 1)
    redis.call('pexpire', KEYS[1], ARGV[1])
    return nil
end
return redis.call('pttl', KEYS[1])
