-- rw_lock's read release with the bug of Redisson issue #891: it counts only the read holds that are left, so when
-- the writer itself took a read hold and drops it, the lock is deleted although the write hold is still there.
-- KEYS[1] the lock hash, KEYS[2] the caller's reader lease; ARGV[1] the caller's name, ARGV[2] the channel.
local field = ARGV[1] .. ':r'
if redis.call('hexists', KEYS[1], field) == 0 then
    return 0
end
if redis.call('hincrby', KEYS[1], field, -1) == 0 then
    redis.call('hdel', KEYS[1], field)
    redis.call('del', KEYS[2])
end
local readers = 0
for _, f in ipairs(redis.call('hkeys', KEYS[1])) do
    if string.sub(f, -2) == ':r' then
        readers = readers + 1
    end
end
if readers == 0 then
    redis.call('del', KEYS[1])
    redis.call('publish', ARGV[2], 'unlocked')
end
return 1
