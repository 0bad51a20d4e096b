/*
 * floor_server: the least a WebSocket fan-out server can do on this box, as a third peer beside push-engine and
 * nchan in bench/peer/side-by-side.sh. It is not a product: no journal, no sequence, no resume, no policies, no
 * limits worth the name. What it measures is the floor of the delivery path itself: the loopback sends, the
 * receivers' reads and the scheduling of two cores, so a target can be judged against what the machine allows.
 *
 * One thread, epoll, level-triggered. Subscribers: `GET <any path>?topics=NAME` (or `?ch=NAME`) with a WebSocket
 * upgrade. Publishers: `POST /publish/NAME` (or `/pub?ch=NAME`), pipelined HTTP/1.1 with Content-Length: the body
 * is appended as one text frame to every subscriber of NAME, and answered 200 (nchan answers once it has written
 * to its subscribers; this answers in the same pass, written after them). After each epoll_wait pass every
 * connection that got bytes is written once: its whole backlog in one write (the batched C server of the
 * delivery-path issue). A backlog over 4 MiB closes the connection.
 *
 * Build: gcc -O2 -o floor_server floor_server.c -lcrypto       Run: floor_server [PORT (8070)]
 */
#define _GNU_SOURCE
#define OPENSSL_SUPPRESS_DEPRECATED
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536
#define IN_CAPACITY 65536
#define OUT_LIMIT (4 * 1024 * 1024)
#define TOPIC_LENGTH 64

typedef struct
{
    int open;
    int subscriber;
    int dirty;
    char topic[TOPIC_LENGTH];
    char *in;
    size_t in_length;
    char *out;
    size_t out_length;
    size_t out_capacity;
} connection_t;

static connection_t connections[MAX_FDS];
static int dirty[MAX_FDS];
static int dirty_count;
static int subscriber_fds[MAX_FDS];
static int subscriber_count;
static int epoll_fd;

static void close_connection(int fd)
{
    connection_t *c = &connections[fd];
    if (c->subscriber)
    {
        for (int i = 0; i < subscriber_count; i++)
        {
            if (subscriber_fds[i] == fd)
            {
                subscriber_fds[i] = subscriber_fds[--subscriber_count];
                break;
            }
        }
    }
    free(c->in);
    free(c->out);
    memset(c, 0, sizeof(*c));
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, NULL);
    close(fd);
}

static int append(int fd, const void *bytes, size_t length)
{
    connection_t *c = &connections[fd];
    if (c->out_length + length > OUT_LIMIT)
    {
        return -1;
    }
    if (c->out_length + length > c->out_capacity)
    {
        size_t capacity = c->out_capacity ? c->out_capacity : 4096;
        while (capacity < c->out_length + length)
        {
            capacity *= 2;
        }
        c->out = realloc(c->out, capacity);
        c->out_capacity = capacity;
    }
    memcpy(c->out + c->out_length, bytes, length);
    c->out_length += length;
    if (!c->dirty)
    {
        c->dirty = 1;
        dirty[dirty_count++] = fd;
    }
    return 0;
}

/* Write the whole backlog in one call; keep what the socket does not take and wait for EPOLLOUT. */
static void flush(int fd)
{
    connection_t *c = &connections[fd];
    c->dirty = 0;
    if (!c->open || 0 == c->out_length)
    {
        return;
    }
    ssize_t written = send(fd, c->out, c->out_length, MSG_NOSIGNAL);
    if (written < 0 && EAGAIN != errno)
    {
        close_connection(fd);
        return;
    }
    if (written > 0)
    {
        memmove(c->out, c->out + written, c->out_length - written);
        c->out_length -= written;
    }
    struct epoll_event event = {.events = EPOLLIN | (c->out_length ? EPOLLOUT : 0), .data.fd = fd};
    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &event);
}

static void topic_of(const char *target, size_t length, const char *key, char *topic)
{
    const char *at = memmem(target, length, key, strlen(key));
    topic[0] = 0;
    if (NULL == at)
    {
        return;
    }
    at += strlen(key);
    size_t n = 0;
    while (at < target + length && *at != '&' && *at != ' ' && n < TOPIC_LENGTH - 1)
    {
        topic[n++] = *at++;
    }
    topic[n] = 0;
}

static void publish(const char *topic, const char *body, size_t length)
{
    unsigned char header[4] = {0x81};
    size_t header_length = 2;
    if (length < 126)
    {
        header[1] = (unsigned char)length;
    }
    else
    {
        header[1] = 126;
        header[2] = (unsigned char)(length >> 8);
        header[3] = (unsigned char)length;
        header_length = 4;
    }
    for (int i = subscriber_count - 1; i >= 0; i--)
    {
        const int fd = subscriber_fds[i];
        if (0 == strcmp(connections[fd].topic, topic) &&
            (append(fd, header, header_length) < 0 || append(fd, body, length) < 0))
        {
            close_connection(fd); /* slow consumer */
        }
    }
}

static int upgrade(int fd, const char *head, size_t head_length)
{
    const char *key = memmem(head, head_length, "Sec-WebSocket-Key: ", 19);
    if (NULL == key)
    {
        return -1;
    }
    key += 19;
    const char *end = memmem(key, head + head_length - key, "\r\n", 2);
    char material[128];
    const size_t key_length = end - key;
    if (NULL == end || key_length > 60)
    {
        return -1;
    }
    memcpy(material, key, key_length);
    memcpy(material + key_length, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1((unsigned char *)material, key_length + 36, digest);
    char accept[64];
    EVP_EncodeBlock((unsigned char *)accept, digest, SHA_DIGEST_LENGTH);
    char answer[256];
    const int n = snprintf(answer, sizeof(answer), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n", accept);
    connection_t *c = &connections[fd];
    topic_of(head, memchr(head, '\r', head_length) - (void *)head, "topics=", c->topic);
    if (!c->topic[0])
    {
        topic_of(head, memchr(head, '\r', head_length) - (void *)head, "ch=", c->topic);
    }
    c->subscriber = 1;
    subscriber_fds[subscriber_count++] = fd;
    return append(fd, answer, n);
}

/* Consume whole requests from a connection's input; a subscriber's input (pongs, close) is discarded. */
static int serve(int fd)
{
    connection_t *c = &connections[fd];
    size_t offset = 0;
    while (!c->subscriber)
    {
        char *head = c->in + offset;
        const size_t available = c->in_length - offset;
        char *head_end = memmem(head, available, "\r\n\r\n", 4);
        if (NULL == head_end)
        {
            break;
        }
        const size_t head_length = head_end + 4 - head;
        if (0 == strncmp(head, "GET ", 4))
        {
            offset += head_length;
            if (upgrade(fd, head, head_length) < 0)
            {
                return -1;
            }
            break;
        }
        if (0 != strncmp(head, "POST ", 5))
        {
            return -1;
        }
        const char *length_field = memmem(head, head_length, "Content-Length: ", 16);
        const size_t body_length = length_field ? strtoul(length_field + 16, NULL, 10) : 0;
        if (available < head_length + body_length)
        {
            break;
        }
        char topic[TOPIC_LENGTH];
        const size_t line_length = (char *)memchr(head, '\r', head_length) - head;
        topic_of(head, line_length, "/publish/", topic);
        if (!topic[0])
        {
            topic_of(head, line_length, "ch=", topic);
        }
        publish(topic, head + head_length, body_length);
        static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        if (append(fd, ok, sizeof(ok) - 1) < 0)
        {
            return -1;
        }
        offset += head_length + body_length;
    }
    if (c->subscriber)
    {
        offset = c->in_length;
    }
    memmove(c->in, c->in + offset, c->in_length - offset);
    c->in_length -= offset;
    return 0;
}

int main(int argc, char **argv)
{
    const int port = argc > 1 ? atoi(argv[1]) : 8070;
    signal(SIGPIPE, SIG_IGN);
    const int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons(port)};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener, (struct sockaddr *)&address, sizeof(address)) < 0 || listen(listener, 4096) < 0)
    {
        perror("floor_server: bind/listen");
        return 1;
    }
    epoll_fd = epoll_create1(0);
    struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listener, &event);
    static struct epoll_event events[1024];
    for (;;)
    {
        const int ready = epoll_wait(epoll_fd, events, 1024, -1);
        for (int i = 0; i < ready; i++)
        {
            const int fd = events[i].data.fd;
            if (fd == listener)
            {
                int accepted;
                while ((accepted = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0)
                {
                    if (accepted >= MAX_FDS)
                    {
                        close(accepted);
                        continue;
                    }
                    setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    connections[accepted].open = 1;
                    connections[accepted].in = malloc(IN_CAPACITY);
                    struct epoll_event in = {.events = EPOLLIN, .data.fd = accepted};
                    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, accepted, &in);
                }
                continue;
            }
            connection_t *c = &connections[fd];
            if (!c->open)
            {
                continue;
            }
            if (events[i].events & EPOLLOUT)
            {
                flush(fd);
                if (!c->open)
                {
                    continue;
                }
            }
            if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
            {
                const ssize_t got = recv(fd, c->in + c->in_length, IN_CAPACITY - c->in_length, 0);
                if (0 == got || (got < 0 && EAGAIN != errno) || (got > 0 && (c->in_length += got, serve(fd) < 0)))
                {
                    close_connection(fd);
                    continue;
                }
                if (c->in_length == IN_CAPACITY)
                {
                    close_connection(fd); /* a request larger than the input buffer */
                }
            }
        }
        for (int i = 0; i < dirty_count; i++)
        {
            flush(dirty[i]);
        }
        dirty_count = 0;
    }
}
