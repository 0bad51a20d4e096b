/*
 * fanout_load: the same load client for every WebSocket push server, so figures are comparable side by side.
 *
 * N WebSocket subscribers (epoll, one thread, source addresses spread over 127.0.0.2..) and one publisher posting
 * fixed-size JSON bodies as pipelined HTTP/1.1 POSTs on one keep-alive connection (or round-robin over K of them,
 * --publishers K) at a fixed rate (open loop: each body carries its due time, so a late send counts as latency: no
 * coordinated omission). A subscriber finds every
 * body in what it receives by its "t": field, whatever the server's framing (nchan: one text frame per message;
 * push-engine: SBE Batch frames with the JSON payload inside), so latency = receive time - due time, CLOCK_MONOTONIC.
 * Bodies carry their number too ("n":), so each subscriber checks nothing is missed or repeated (and, with one
 * publishing connection, nothing reordered).
 *
 * Build: gcc -O2 -o fanout_load fanout_load.c -lpthread     (bench/peer/side-by-side.sh does it)
 * Run:   fanout_load --port 8080 --ws-path '/ws?topics=bench' --pub-path /publish/bench --subscribers 1000
 *                    --rate 1000 --seconds 10 [--warmup 2] [--server-pid PID] [--label NAME]
 *        --ws-publish TOPIC (push-engine only): publish over one WebSocket connection instead, as binary SBE
 *                    Publish messages (template 35); answers counted are Published (36), Errors (14) count as failed
 *        --timeline: also, on stderr, one line per second of due time: deliveries, how many were later than 10, 50,
 *                    200 and 1,000 ms, the latest, how late the publisher itself wrote, and (one publishing
 *                    connection) how late the answers came: tells late publishing from late delivery (with
 *                    it the publisher reads answers every millisecond while it waits to send)
 * Prints one Markdown table row; loopback only (it refuses any other host).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BODY_LENGTH_MIN 48
#define CONN_BUFFER 262144
#define WS_PUBLISH_WINDOW 1000

typedef struct
{
    int fd;
    int upgraded;
    int closed;
    int close_code;
    size_t length;
    int64_t last_n;
    int64_t received;
    int64_t duplicates;
    int64_t reordered;
    unsigned char *seen; /* one bit per body number */
    unsigned char *buffer;
} subscriber_t;

static const char *ws_path = "/ws?topics=bench";
static const char *pub_path = "/publish/bench";
static const char *content_type = "application/json";
static const char *label = "server";
static int port = 8080;
static int subscribers = 1000;
static int rate = 10;
static int seconds = 10;
static int warmup_s = 2;
static int body_length = 64;
static int server_pid = 0;
static int publishers = 1;
static const char *ws_publish_topic = NULL;

static volatile int publishing_done = 0;
static volatile int64_t published = 0;
static volatile int64_t pub_ok = 0;
static volatile int64_t pub_failed = 0;
static int64_t start_ns;
static int64_t measure_from_ns;

static int64_t *samples;
static size_t sample_count;
static int timeline; /* --timeline: p50/p99/max per second of due time on stderr */
static int64_t timeline_start_ns;
#define TIMELINE_SECONDS 600
static int64_t timeline_count[TIMELINE_SECONDS];
static int64_t timeline_max_ns[TIMELINE_SECONDS];
static int64_t timeline_over_ms[TIMELINE_SECONDS][4]; /* deliveries later than 10, 50, 200, 1000 ms */
static int64_t timeline_send_late_max_ns[TIMELINE_SECONDS]; /* the publisher's own lateness writing a request */
static int64_t timeline_answer_max_ns[TIMELINE_SECONDS]; /* answer received - due (1 publishing connection) */
static int64_t first_due_ns, interval_ns_global;
static size_t sample_capacity;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
    perror(what);
    exit(2);
}

static int connect_to(int source_index)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
    {
        die("socket");
    }
    struct sockaddr_in source = {0};
    source.sin_family = AF_INET;
    source.sin_addr.s_addr = htonl(0x7F000002 + (source_index % 50));
    if (bind(fd, (struct sockaddr *)&source, sizeof(source)) < 0)
    {
        die("bind");
    }
    struct sockaddr_in target = {0};
    target.sin_family = AF_INET;
    target.sin_port = htons(port);
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&target, sizeof(target)) < 0)
    {
        die("connect");
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static void write_all(int fd, const char *data, size_t length)
{
    while (length > 0)
    {
        ssize_t n = write(fd, data, length);
        if (n < 0)
        {
            if (EINTR == errno || EAGAIN == errno)
            {
                continue;
            }
            die("write");
        }
        data += n;
        length -= n;
    }
}

static void record(int64_t latency_ns)
{
    if (sample_count == sample_capacity)
    {
        sample_capacity = 0 == sample_capacity ? 1 << 20 : sample_capacity * 2;
        samples = realloc(samples, sample_capacity * sizeof(int64_t));
        if (NULL == samples)
        {
            die("realloc");
        }
    }
    samples[sample_count++] = latency_ns;
}

/* Every body in a message: {"t":DUE_NS,"n":NUMBER,"p":"..."} */
static void scan_bodies(subscriber_t *s, const unsigned char *data, size_t length, int64_t received_ns)
{
    const unsigned char *end = data + length;
    const unsigned char *p = data;
    while (p + 5 < end)
    {
        const unsigned char *hit = memmem(p, end - p, "{\"t\":", 5);
        if (NULL == hit)
        {
            return;
        }
        p = hit + 5;
        int64_t due = 0;
        while (p < end && *p >= '0' && *p <= '9')
        {
            due = due * 10 + (*p++ - '0');
        }
        if (p + 5 >= end || 0 != memcmp(p, ",\"n\":", 5))
        {
            continue;
        }
        p += 5;
        int64_t n = 0;
        while (p < end && *p >= '0' && *p <= '9')
        {
            n = n * 10 + (*p++ - '0');
        }
        if (n < 0 || n >= (int64_t)rate * seconds)
        {
            continue; /* not one of this run's bodies */
        }
        if (s->seen[n >> 3] & (1 << (n & 7)))
        {
            s->duplicates++;
            continue;
        }
        s->seen[n >> 3] |= 1 << (n & 7);
        s->received++;
        if (n < s->last_n)
        {
            s->reordered++;
        }
        s->last_n = n;
        if (due >= measure_from_ns)
        {
            record(received_ns - due);
        }
        if (timeline)
        {
            const int64_t second = (due - timeline_start_ns) / 1000000000LL;
            if (second >= 0 && second < TIMELINE_SECONDS)
            {
                const int64_t latency = received_ns - due;
                timeline_count[second]++;
                timeline_max_ns[second] = latency > timeline_max_ns[second] ? latency : timeline_max_ns[second];
                timeline_over_ms[second][0] += latency > 10000000LL;
                timeline_over_ms[second][1] += latency > 50000000LL;
                timeline_over_ms[second][2] += latency > 200000000LL;
                timeline_over_ms[second][3] += latency > 1000000000LL;
            }
        }
    }
}

static void send_pong(subscriber_t *s, const unsigned char *payload, size_t length)
{
    unsigned char frame[2 + 4 + 125];
    if (length > 125)
    {
        length = 125;
    }
    frame[0] = 0x8A;
    frame[1] = 0x80 | (unsigned char)length;
    memset(frame + 2, 0, 4); /* zero mask key: payload unchanged */
    memcpy(frame + 6, payload, length);
    write_all(s->fd, (const char *)frame, 6 + length);
}

/* Consume whole frames from the subscriber's buffer. */
static void parse_frames(subscriber_t *s, int64_t received_ns)
{
    size_t offset = 0;
    while (s->length - offset >= 2)
    {
        const unsigned char *f = s->buffer + offset;
        int opcode = f[0] & 0x0F;
        uint64_t payload_length = f[1] & 0x7F;
        size_t header = 2;
        if (126 == payload_length)
        {
            if (s->length - offset < 4)
            {
                break;
            }
            payload_length = ((uint64_t)f[2] << 8) | f[3];
            header = 4;
        }
        else if (127 == payload_length)
        {
            if (s->length - offset < 10)
            {
                break;
            }
            payload_length = 0;
            for (int i = 0; i < 8; i++)
            {
                payload_length = (payload_length << 8) | f[2 + i];
            }
            header = 10;
        }
        if (header + payload_length > CONN_BUFFER)
        {
            fprintf(stderr, "frame of %llu bytes exceeds the client buffer\n", (unsigned long long)payload_length);
            exit(2);
        }
        if (s->length - offset < header + payload_length)
        {
            break;
        }
        const unsigned char *payload = f + header;
        if (1 == opcode || 2 == opcode || 0 == opcode)
        {
            scan_bodies(s, payload, payload_length, received_ns);
        }
        else if (8 == opcode)
        {
            s->closed = 1;
            s->close_code = payload_length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
            if (payload_length > 2)
            {
                fprintf(stderr, "closed %d: %.*s\n", s->close_code, (int)(payload_length - 2), payload + 2);
            }
        }
        else if (9 == opcode)
        {
            send_pong(s, payload, payload_length);
        }
        offset += header + payload_length;
    }
    if (offset > 0)
    {
        memmove(s->buffer, s->buffer + offset, s->length - offset);
        s->length -= offset;
    }
}

/* Count the HTTP answers that have arrived (pipelined: never waits). */
static int read_answers(int fd)
{
    char answers[65536];
    ssize_t got = recv(fd, answers, sizeof(answers), MSG_DONTWAIT);
    if (got <= 0)
    {
        return 0;
    }
    const int64_t received_ns = timeline ? now_ns() : 0;
    for (char *p = answers; (p = memmem(p, answers + got - p, "HTTP/1.1 ", 9)) != NULL; p += 9)
    {
        if (timeline && 1 == publishers)
        {
            const int64_t due = first_due_ns + (pub_ok + pub_failed) * interval_ns_global;
            const int64_t second = (due - timeline_start_ns) / 1000000000LL;
            if (second >= 0 && second < TIMELINE_SECONDS && received_ns - due > timeline_answer_max_ns[second])
            {
                timeline_answer_max_ns[second] = received_ns - due;
            }
        }
        if (p + 9 < answers + got && '2' == p[9])
        {
            pub_ok++;
        }
        else
        {
            pub_failed++;
        }
    }
    return 1;
}

/* push-engine's SBE Publish over a WebSocket: header, correlationId, payloadType JSON, topicName, payload */
static size_t encode_publish(unsigned char *out, int64_t correlation_id, const char *topic, const char *body, int length)
{
    unsigned char *p = out;
    const uint16_t header[4] = {9, 35, 7101, 1}; /* blockLength, templateId, schemaId, version (little-endian host) */
    memcpy(p, header, 8); p += 8;
    memcpy(p, &correlation_id, 8); p += 8;
    *p++ = 2; /* JSON */
    const uint16_t topic_length = (uint16_t)strlen(topic);
    memcpy(p, &topic_length, 2); p += 2;
    memcpy(p, topic, topic_length); p += topic_length;
    const uint32_t payload_length = (uint32_t)length;
    memcpy(p, &payload_length, 4); p += 4;
    memcpy(p, body, length); p += length;
    return p - out;
}

/* a masked binary client frame (mask 0: the payload goes as it is) */
static size_t ws_frame(unsigned char *out, const unsigned char *payload, size_t length)
{
    size_t h = 0;
    out[h++] = 0x82;
    if (length < 126)
    {
        out[h++] = 0x80 | (unsigned char)length;
    }
    else
    {
        out[h++] = 0x80 | 126;
        out[h++] = (unsigned char)(length >> 8);
        out[h++] = (unsigned char)length;
    }
    memset(out + h, 0, 4); h += 4;
    memcpy(out + h, payload, length);
    return h + length;
}

/* Published (36) and Error (14) answers in the server's frames; partial frames kept for the next read */
static unsigned char ws_answers[1 << 20];
static size_t ws_answers_length;

static int read_ws_answers(int fd)
{
    ssize_t got = recv(fd, ws_answers + ws_answers_length, sizeof(ws_answers) - ws_answers_length, MSG_DONTWAIT);
    if (got <= 0)
    {
        return 0;
    }
    ws_answers_length += got;
    size_t at = 0;
    while (ws_answers_length - at >= 2)
    {
        size_t length = ws_answers[at + 1] & 0x7F, h = 2;
        if (126 == length)
        {
            if (ws_answers_length - at < 4) break;
            length = ((size_t)ws_answers[at + 2] << 8) | ws_answers[at + 3]; h = 4;
        }
        else if (127 == length)
        {
            if (ws_answers_length - at < 10) break;
            length = 0;
            for (int i = 0; i < 8; i++) length = (length << 8) | ws_answers[at + 2 + i];
            h = 10;
        }
        if (ws_answers_length - at < h + length) break;
        if (length >= 8)
        {
            uint16_t template_id;
            memcpy(&template_id, ws_answers + at + h + 2, 2);
            if (36 == template_id) pub_ok++;
            else if (14 == template_id) pub_failed++;
        }
        at += h + length;
    }
    memmove(ws_answers, ws_answers + at, ws_answers_length - at);
    ws_answers_length -= at;
    return 1;
}

static int ws_publisher_connect(void)
{
    int fd = connect_to(49);
    char handshake[512];
    int length = snprintf(handshake, sizeof(handshake),
        "GET /ws HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", port);
    write_all(fd, handshake, length);
    char answer[4096];
    size_t have = 0;
    while (NULL == memmem(answer, have, "\r\n\r\n", 4))
    {
        ssize_t n = read(fd, answer + have, sizeof(answer) - have);
        if (n <= 0) die("publisher upgrade");
        have += n;
    }
    if (0 != memcmp(answer, "HTTP/1.1 101", 12))
    {
        fprintf(stderr, "publisher upgrade refused: %.*s\n", (int)have, answer);
        exit(2);
    }
    return fd;
}

static void *publish(void *unused)
{
    (void)unused;
    int fds[64];
    const int over_ws = NULL != ws_publish_topic;
    for (int i = 0; i < publishers; i++)
    {
        fds[i] = over_ws ? ws_publisher_connect() : connect_to(49 - i);
    }
    unsigned char message[8192];
    char body[4096];
    char request[8192];
    const int64_t interval_ns = 1000000000LL / rate;
    const int64_t total = (int64_t)rate * seconds;
    int64_t due = now_ns();
    first_due_ns = due;
    interval_ns_global = interval_ns;
    for (int64_t n = 0; n < total; n++)
    {
        if (timeline && !over_ws)
        {
            /* read answers while waiting (at most 1 ms apart), so their lateness is not the send interval's */
            for (int64_t now = now_ns(); now < due; now = now_ns())
            {
                const int64_t wake = due - now > 1000000LL ? now + 1000000LL : due;
                struct timespec step = {wake / 1000000000LL, wake % 1000000000LL};
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &step, NULL);
                for (int i = 0; i < publishers; i++)
                {
                    while (read_answers(fds[i]))
                    {
                    }
                }
            }
        }
        struct timespec ts = {due / 1000000000LL, due % 1000000000LL};
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
        int length = snprintf(body, sizeof(body), "{\"t\":%lld,\"n\":%lld,\"p\":\"", (long long)due, (long long)n);
        while (length < body_length - 2)
        {
            body[length++] = 'x';
        }
        body[length++] = '"';
        body[length++] = '}';
        const int fd = fds[n % publishers];
        if (over_ws)
        {
            while (n - (pub_ok + pub_failed) >= WS_PUBLISH_WINDOW) /* the edge takes 1,024 in flight per connection */
            {
                if (!read_ws_answers(fd))
                {
                    usleep(50);
                }
            }
            const size_t message_length = encode_publish(message, n + 1, ws_publish_topic, body, length);
            write_all(fd, request, ws_frame((unsigned char *)request, message, message_length));
        }
        else
        {
            int request_length = snprintf(request, sizeof(request),
                "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
                pub_path, content_type, length);
            memcpy(request + request_length, body, length);
            write_all(fd, request, request_length + length);
        }
        published = n + 1;
        if (timeline)
        {
            const int64_t second = (due - timeline_start_ns) / 1000000000LL;
            const int64_t late = now_ns() - due;
            if (second >= 0 && second < TIMELINE_SECONDS && late > timeline_send_late_max_ns[second])
            {
                timeline_send_late_max_ns[second] = late;
            }
        }
        due += interval_ns;

        for (int i = 0; i < publishers; i++)
        {
            while (over_ws ? read_ws_answers(fds[i]) : read_answers(fds[i]))
            {
            }
        }
    }
    /* every answer before closing: a server may drop a request whose connection closes under it */
    const int64_t answers_deadline = now_ns() + 5000000000LL;
    while (pub_ok + pub_failed < total && now_ns() < answers_deadline)
    {
        int any = 0;
        for (int i = 0; i < publishers; i++)
        {
            any |= over_ws ? read_ws_answers(fds[i]) : read_answers(fds[i]);
        }
        if (!any)
        {
            usleep(1000);
        }
    }
    publishing_done = 1;
    for (int i = 0; i < publishers; i++)
    {
        close(fds[i]);
    }
    return NULL;
}

static int compare(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double percentile_ms(double p)
{
    if (0 == sample_count)
    {
        return -1;
    }
    size_t index = (size_t)(p / 100.0 * (sample_count - 1));
    return samples[index] / 1e6;
}

static double cpu_seconds(int pid)
{
    if (0 == pid)
    {
        return 0;
    }
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (NULL == f)
    {
        return 0;
    }
    char line[4096];
    double result = 0;
    if (fgets(line, sizeof(line), f))
    {
        char *p = strrchr(line, ')');
        unsigned long utime = 0, stime = 0;
        /* fields after ')': state(3) ... utime(14) stime(15) */
        if (p && 2 == sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime))
        {
            result = (double)(utime + stime) / sysconf(_SC_CLK_TCK);
        }
    }
    fclose(f);
    return result;
}

static void usage(void)
{
    fprintf(stderr, "usage: fanout_load [--port P] [--ws-path PATH] [--pub-path PATH] [--content-type T] "
        "[--subscribers N] [--rate EV_PER_S] [--seconds S] [--warmup S] [--body-length B] [--server-pid PID] "
        "[--publishers K] [--ws-publish TOPIC] [--label NAME] [--timeline]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
    {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--timeline"))
        {
            timeline = 1;
            continue;
        }
        if (NULL == v)
        {
            usage();
        }
        if (!strcmp(a, "--port")) port = atoi(v);
        else if (!strcmp(a, "--ws-path")) ws_path = v;
        else if (!strcmp(a, "--pub-path")) pub_path = v;
        else if (!strcmp(a, "--content-type")) content_type = v;
        else if (!strcmp(a, "--subscribers")) subscribers = atoi(v);
        else if (!strcmp(a, "--rate")) rate = atoi(v);
        else if (!strcmp(a, "--seconds")) seconds = atoi(v);
        else if (!strcmp(a, "--warmup")) warmup_s = atoi(v);
        else if (!strcmp(a, "--body-length")) body_length = atoi(v);
        else if (!strcmp(a, "--server-pid")) server_pid = atoi(v);
        else if (!strcmp(a, "--label")) label = v;
        else if (!strcmp(a, "--publishers")) publishers = atoi(v);
        else if (!strcmp(a, "--ws-publish")) ws_publish_topic = v;
        else usage();
        i++;
    }
    if (subscribers < 1 || rate < 1 || seconds < 1 || body_length < BODY_LENGTH_MIN || body_length > 4000 ||
        warmup_s >= seconds || publishers < 1 || publishers > 40)
    {
        fprintf(stderr, "bad arguments: subscribers >= 1, rate >= 1, warmup < seconds, publishers 1..40, "
            "body length %d..4000\n", BODY_LENGTH_MIN);
        return 2;
    }

    subscriber_t *subs = calloc(subscribers, sizeof(subscriber_t));
    int epoll = epoll_create1(0);
    char handshake[1024];
    for (int i = 0; i < subscribers; i++)
    {
        subscriber_t *s = &subs[i];
        s->fd = connect_to(i);
        s->buffer = malloc(CONN_BUFFER);
        s->seen = calloc(((int64_t)rate * seconds + 7) / 8, 1);
        s->last_n = -1;
        int length = snprintf(handshake, sizeof(handshake),
            "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", ws_path, port);
        write_all(s->fd, handshake, length);
        fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event event = {.events = EPOLLIN, .data.ptr = s};
        epoll_ctl(epoll, EPOLL_CTL_ADD, s->fd, &event);
    }

    struct epoll_event events[512];
    int upgraded = 0;
    int64_t deadline = now_ns() + 30000000000LL;
    int64_t publish_start = 0;
    int64_t end_ns = 0;
    pthread_t publisher;
    double cpu_start = 0;
    int64_t cpu_start_ns = 0;
    int closed = 0;
    int64_t stop_ns = INT64_MAX;

    while (now_ns() < stop_ns)
    {
        int ready = epoll_wait(epoll, events, 512, 10);
        int64_t received_ns = now_ns();
        for (int e = 0; e < ready; e++)
        {
            subscriber_t *s = events[e].data.ptr;
            ssize_t n = read(s->fd, s->buffer + s->length, CONN_BUFFER - s->length);
            if (n <= 0)
            {
                if (0 == n || (EAGAIN != errno && EINTR != errno))
                {
                    if (!s->closed)
                    {
                        s->closed = 1;
                        s->close_code = -1;
                    }
                    epoll_ctl(epoll, EPOLL_CTL_DEL, s->fd, NULL);
                    closed++;
                }
                continue;
            }
            s->length += n;
            if (!s->upgraded)
            {
                unsigned char *end = memmem(s->buffer, s->length, "\r\n\r\n", 4);
                if (NULL == end)
                {
                    continue;
                }
                if (0 != memcmp(s->buffer, "HTTP/1.1 101", 12))
                {
                    fprintf(stderr, "upgrade refused: %.*s\n", (int)(end - s->buffer), s->buffer);
                    return 2;
                }
                size_t header = end + 4 - s->buffer;
                memmove(s->buffer, s->buffer + header, s->length - header);
                s->length -= header;
                s->upgraded = 1;
                upgraded++;
            }
            parse_frames(s, received_ns);
        }
        int64_t now = now_ns();
        if (0 == publish_start)
        {
            if (upgraded == subscribers)
            {
                publish_start = now + 1000000000LL; /* let subscriptions settle */
            }
            else if (now > deadline)
            {
                fprintf(stderr, "only %d of %d subscribers upgraded in 30 s\n", upgraded, subscribers);
                return 2;
            }
        }
        else if (publish_start > 0 && now >= publish_start && 0 == start_ns)
        {
            start_ns = now;
            timeline_start_ns = now;
            measure_from_ns = now + (int64_t)warmup_s * 1000000000LL;
            pthread_create(&publisher, NULL, publish, NULL);
        }
        if (start_ns > 0 && 0 == cpu_start_ns && now >= measure_from_ns)
        {
            cpu_start = cpu_seconds(server_pid);
            cpu_start_ns = now;
        }
        if (publishing_done && 0 == end_ns)
        {
            end_ns = now;
            stop_ns = now + 2000000000LL; /* what is still on its way gets 2 s */
        }
    }
    pthread_join(publisher, NULL);
    double cpu_percent = server_pid ? 100.0 * (cpu_seconds(server_pid) - cpu_start) / ((end_ns - cpu_start_ns) / 1e9) : -1;

    int64_t received = 0, duplicates = 0, reordered = 0, cut = 0;
    for (int i = 0; i < subscribers; i++)
    {
        received += subs[i].received;
        duplicates += subs[i].duplicates;
        reordered += subs[i].reordered;
        if (subs[i].closed)
        {
            cut++;
        }
    }
    qsort(samples, sample_count, sizeof(int64_t), compare);
    const double measured_s = (end_ns - measure_from_ns) / 1e9;
    const int64_t expected = published * (int64_t)subscribers;
    printf("| %s | %d | %d ev/s, %d %s | %lld/%lld | %.0f | %.2f %% | %lld | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f %% |\n",
        label, subscribers, rate, publishers, ws_publish_topic ? "WS publisher" : "POST conn", (long long)pub_ok, (long long)published, sample_count / measured_s,
        expected ? 100.0 * (expected - received) / expected : 0, (long long)cut, percentile_ms(50),
        percentile_ms(90), percentile_ms(99), percentile_ms(99.9), percentile_ms(100), cpu_percent);
    if (timeline)
    {
        fprintf(stderr, "second deliveries >10ms >50ms >200ms >1s max_ms publisher_late_max_ms answer_max_ms\n");
        for (int i = 0; i < seconds && i < TIMELINE_SECONDS; i++)
        {
            fprintf(stderr, "%d %lld %lld %lld %lld %lld %.1f %.1f %.1f\n", i, (long long)timeline_count[i],
                (long long)timeline_over_ms[i][0], (long long)timeline_over_ms[i][1],
                (long long)timeline_over_ms[i][2], (long long)timeline_over_ms[i][3], timeline_max_ns[i] / 1e6,
                timeline_send_late_max_ns[i] / 1e6, timeline_answer_max_ns[i] / 1e6);
        }
    }
    if (duplicates > 0 || pub_failed > 0 || received != expected || (1 == publishers && reordered > 0))
    {
        printf("  missed %lld, duplicates %lld, out of order %lld, publish answers not 2xx %lld\n",
            (long long)(expected - received), (long long)duplicates, (long long)reordered, (long long)pub_failed);
    }
    return 0;
}
