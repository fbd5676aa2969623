-- fair_lock_release.lua: release of the fair lock (examples/fair_lock.c): compare-and-delete.
-- KEYS: lock, queue, timeouts; ARGV: token. Returns 1 released, 0 not the holder.
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
