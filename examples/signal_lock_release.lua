-- signal_lock's release, in the style of python-redis-lock's unlock script.
-- KEYS[1] the lock, KEYS[2] its signal list; ARGV[1] the caller's token, ARGV[2] how long the signal lasts, ms.
-- Returns 1 when the lock is not the caller's (nothing changed), 0 when it was released: the lock deleted and one
-- signal left in the list for the next waiter's BLPOP (a waiter that blocks later still finds it).
if redis.call("get", KEYS[1]) ~= ARGV[1] then
    return 1
end
redis.call("del", KEYS[2])
redis.call("lpush", KEYS[2], 1)
redis.call("pexpire", KEYS[2], ARGV[2])
redis.call("del", KEYS[1])
return 0
