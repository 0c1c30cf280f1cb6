# free_port: a TCP port for a test's server on 127.0.0.1 that nothing
# listens on or connects from, below the kernel's ephemeral range (32768
# and up), so that an outgoing connection (a Kafka client's, another
# test's) cannot take it between this choice and the bind. Sourced by
# the tests that serve HTTP.
free_port() {
  local port used
  used=$(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }')
  for _ in $(seq 200); do
    port=$((20000 + RANDOM % 12000))
    grep -qx "$port" <<<"$used" || { echo "$port"; return 0; }
  done
  return 1
}
