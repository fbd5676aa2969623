-- rw_lock's write release. KEYS[1] the lock hash; ARGV[1] the caller's name, ARGV[2] the channel.
-- Drops one write hold; when the writer's last one goes and read holds remain (its own), the lock becomes a read
-- lock; when nothing remains, deletes it and publishes. Returns 1 when a hold was dropped, 0 when it had none.
local field = ARGV[1] .. ':w'
if redis.call('hexists', KEYS[1], field) == 0 then
    return 0
end
if redis.call('hincrby', KEYS[1], field, -1) > 0 then
    return 1
end
redis.call('hdel', KEYS[1], field)
if redis.call('hlen', KEYS[1]) > 1 then
    redis.call('hset', KEYS[1], 'mode', 'read')
    return 1
end
redis.call('del', KEYS[1])
redis.call('publish', ARGV[2], 'unlocked')
return 1
