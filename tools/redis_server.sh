# SPDX-License-Identifier: BSD-3-Clause
# redis_server.sh: sourced (not run) by the scripts that start a redis-server of their own. The server listens on a
# free 127.0.0.1 port (never 6379), saves nothing, logs into the caller's directory, and is stopped by its PID: only
# the process started here is ever signalled.
#   rb_start_server DIR [PREFIX...]   start it (under PREFIX, e.g. taskset -c 0); sets rb_port and rb_pid; 1 if it
#                                     did not start after 5 tries (its log is printed on stderr)
#   rb_stop_server                    stop it, if running

rb_port=""
rb_pid=""

# A port nothing listens on, picked at random above 20000 (the kernel could hand it out meanwhile: start retries).
rb_free_port() {
    local p
    for _ in $(seq 1 50); do
        p=$((20000 + RANDOM % 40000))
        [ "$p" = 6379 ] && continue
        (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
    done
    return 1
}

# 0 when the server on port $1 answers PING.
rb_server_ready() (
    reply=""
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf 'PING\r\n' >&3
    read -r -t 1 reply <&3
    [ "${reply%$'\r'}" = "+PONG" ]
)

rb_start_server() {
    local dir=$1 attempt i
    shift
    for attempt in 1 2 3 4 5; do
        rb_port=$(rb_free_port) || break
        "$@" redis-server --port "$rb_port" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
            --dir "$dir" >"$dir/redis.log" 2>&1 &
        rb_pid=$!
        for i in $(seq 1 250); do # up to 5 s
            kill -0 "$rb_pid" 2>/dev/null || break
            rb_server_ready "$rb_port" 2>/dev/null && return 0
            sleep 0.02
        done
        kill "$rb_pid" 2>/dev/null
        wait "$rb_pid" 2>/dev/null
        rb_pid=""
    done
    echo "redis-server did not start; its log:" >&2
    cat "$dir/redis.log" >&2
    return 1
}

rb_stop_server() {
    if [ -n "$rb_pid" ]; then
        kill "$rb_pid" 2>/dev/null
        wait "$rb_pid" 2>/dev/null
        rb_pid=""
    fi
}
