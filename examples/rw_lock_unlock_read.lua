-- rw_lock's read release. KEYS[1] the lock hash, KEYS[2] the caller's reader lease;
-- ARGV[1] the caller's name, ARGV[2] the channel waiters listen on.
-- Drops one read hold; when no hold of anyone is left (reads or writes), deletes the lock and publishes, so that
-- waiters retry at once. Returns 1 when a hold was dropped, 0 when the caller had none (its lease ran out).
local field = ARGV[1] .. ':r'
if redis.call('hexists', KEYS[1], field) == 0 then
    return 0
end
if redis.call('hincrby', KEYS[1], field, -1) == 0 then
    redis.call('hdel', KEYS[1], field)
    redis.call('del', KEYS[2])
end
if redis.call('hlen', KEYS[1]) == 1 then -- only "mode" is left: nobody holds it
    redis.call('del', KEYS[1])
    redis.call('publish', ARGV[2], 'unlocked')
end
return 1
