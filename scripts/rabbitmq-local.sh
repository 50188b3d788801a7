#!/usr/bin/env bash
# A private RabbitMQ node on loopback for `kendall live --broker` and its tests.
#
#   scripts/rabbitmq-local.sh start   install Debian's rabbitmq-server if missing, generate a
#                                     CA and a server certificate (openssl), start a node
#                                     listening on 127.0.0.1 only (AMQP 5673, AMQPS 5674), its
#                                     data, logs and certificates under target/rabbitmq/, wait
#                                     until it answers and print the URLs. Starting a node that
#                                     already answers prints the URLs and does nothing else.
#   scripts/rabbitmq-local.sh stop    stop it.
#   scripts/rabbitmq-local.sh urls    print the URLs (and fail unless the node answers).
#
# The node's guest user is allowed from loopback only (RabbitMQ's default). The CA certificate
# clients verify the server with is target/rabbitmq/tls/ca.pem; a client certificate signed by
# the same CA is target/rabbitmq/tls/client.pem with its key client.key. Any step that fails
# fails the script (exit 1, the reason on standard error): it never skips.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
base=${KENDALL_RABBITMQ_DIR:-$root/target/rabbitmq}
amqp_port=${KENDALL_AMQP_PORT:-5673}
amqps_port=${KENDALL_AMQPS_PORT:-5674}
dist_port=$((amqp_port + 20000))
node=kendall-$amqp_port@localhost
tls=$base/tls

say() { echo "rabbitmq-local: $*" >&2; }
die() {
    say "FAILED: $*"
    exit 1
}

# The node's own environment: its name, data and logs under $base, a private Erlang cookie
# (HOME), no plugins, loopback listeners.
export HOME=$base/home
export RABBITMQ_NODENAME=$node
export RABBITMQ_MNESIA_BASE=$base/mnesia
export RABBITMQ_LOG_BASE=$base/log
export RABBITMQ_CONFIG_FILE=$base/rabbitmq
export RABBITMQ_ENABLED_PLUGINS_FILE=$base/enabled_plugins
export RABBITMQ_PID_FILE=$base/node.pid
export RABBITMQ_DIST_PORT=$dist_port
export RABBITMQ_ADVANCED_CONFIG_FILE=$base/advanced.config
bin=/usr/lib/rabbitmq/bin

urls() {
    echo "amqp://127.0.0.1:$amqp_port/%2f"
    echo "amqps://127.0.0.1:$amqps_port/%2f  (CA: $tls/ca.pem)"
}

answers() {
    # The AMQP port accepts a connection and the node reports itself running.
    (exec 3<>"/dev/tcp/127.0.0.1/$amqp_port") 2>/dev/null &&
        "$bin/rabbitmqctl" -n "$node" -q status >/dev/null 2>&1
}

install() {
    if [[ ! -x $bin/rabbitmq-server ]]; then
        say "installing rabbitmq-server"
        apt-get update -qq || die "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >/dev/null ||
            die "apt-get install rabbitmq-server"
        # The package may start its own node as a service: it is not this one.
    fi
    command -v openssl >/dev/null || {
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null ||
            die "apt-get install openssl"
    }
}

certificates() {
    [[ -f $tls/server.pem && -f $tls/client.pem && -f $tls/other-ca.pem ]] && return
    mkdir -p "$tls"
    (
        cd "$tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=kendall test CA" \
            -keyout ca.key -out ca.pem 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
            -keyout server.key -out server.csr 2>/dev/null
        printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile server.ext -out server.pem 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -subj "/CN=kendall client" \
            -keyout client.key -out client.csr 2>/dev/null
        printf 'extendedKeyUsage=clientAuth\n' >client.ext
        openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
            -extfile client.ext -out client.pem 2>/dev/null
        # A CA that signed nothing here: connecting with it must fail verification.
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=some other CA" \
            -keyout other-ca.key -out other-ca.pem 2>/dev/null
        chmod 644 ./*.pem ./*.key
    ) || die "openssl could not generate the certificates in $tls"
}

configure() {
    mkdir -p "$HOME" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
    chmod 700 "$HOME"
    echo '[].' >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    echo '[].' >"$RABBITMQ_ADVANCED_CONFIG_FILE"
    cat >"$RABBITMQ_CONFIG_FILE.conf" <<EOF
listeners.tcp.1 = 127.0.0.1:$amqp_port
listeners.ssl.1 = 127.0.0.1:$amqps_port
ssl_options.cacertfile = $tls/ca.pem
ssl_options.certfile = $tls/server.pem
ssl_options.keyfile = $tls/server.key
ssl_options.verify = verify_peer
ssl_options.fail_if_no_peer_cert = false
log.file.level = warning
log.console = false
EOF
}

start() {
    if answers; then
        urls
        return
    fi
    install
    certificates
    configure
    say "starting node $node (data in $base)"
    nohup "$bin/rabbitmq-server" >"$base/server.out" 2>&1 &
    local pid=$!
    for _ in $(seq 1 120); do
        if answers; then
            say "node $node is up"
            urls
            return
        fi
        kill -0 "$pid" 2>/dev/null || die "the node exited: $(tail -20 "$base/server.out")"
        sleep 0.5
    done
    die "the node did not answer within 60 s: $(tail -20 "$base/server.out")"
}

stop() {
    if [[ -x $bin/rabbitmqctl ]]; then
        "$bin/rabbitmqctl" -n "$node" -q stop >/dev/null 2>&1 || true
    fi
    if [[ -f $RABBITMQ_PID_FILE ]]; then
        kill "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null || true
        rm -f "$RABBITMQ_PID_FILE"
    fi
    say "node $node stopped"
}

case ${1:-} in
start) start ;;
stop) stop ;;
urls) answers || die "no node answers on 127.0.0.1:$amqp_port (run: $0 start)"; urls ;;
*)
    echo "usage: $0 start|stop|urls" >&2
    exit 2
    ;;
esac
