package io.pushengine.edge.admission;

import io.undertow.server.AbstractServerConnection;
import io.undertow.server.ExchangeCompletionListener;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.util.AttachmentKey;
import org.agrona.concurrent.status.AtomicCounter;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.XnioExecutor;
import org.xnio.channels.StreamSinkChannel;
import org.xnio.conduits.AbstractStreamSourceConduit;
import org.xnio.conduits.StreamSourceConduit;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Cuts off connections that do not deliver a whole request in time (slowloris), and counts each one, which Undertow's
 * own parse timeouts cannot do: they act before a request exists, where no handler sees them.
 * <p>
 * It sits at both ends of Undertow's HTTP/1.1 connection: as the open listener it arms a deadline for each accepted
 * connection and watches its reads; as the root handler it lifts the deadline when a request arrives and re-arms it
 * when that exchange completes (keep-alive), never after an upgrade (WebSocket). At the deadline a connection that
 * had sent part of a request is answered {@code 408} with a reason and closed (counted as a request timeout); one
 * that had sent nothing is closed (counted as a silent close: a slowloris that never starts, a browser's unused
 * preconnect, or an idle keep-alive connection). Timers run on the connection's IO thread.
 */
public final class SlowRequestGuard
{
    private static final AttachmentKey<Deadline> DEADLINE = AttachmentKey.create(Deadline.class);

    private final long timeoutMs;
    private final AtomicCounter requestTimeouts;
    private final AtomicCounter silentCloses;
    private final byte[] timeoutResponse;
    private final ConcurrentHashMap<StreamConnection, Deadline> awaitingFirstRequest = new ConcurrentHashMap<>();

    /**
     * @param timeoutMs       longest a connection may take to deliver a request's headers, or to start one.
     * @param requestTimeouts counts connections cut off with part of a request sent.
     * @param silentCloses    counts connections closed having sent nothing since they opened or since their last
     *                        request.
     * @param settingName     named in the 408's reason, so a client's operator can find what to change.
     */
    public SlowRequestGuard(
        final long timeoutMs,
        final AtomicCounter requestTimeouts,
        final AtomicCounter silentCloses,
        final String settingName)
    {
        if (timeoutMs <= 0)
        {
            throw new IllegalArgumentException("timeoutMs must be > 0: " + timeoutMs);
        }
        this.timeoutMs = timeoutMs;
        this.requestTimeouts = requestTimeouts;
        this.silentCloses = silentCloses;
        final String reason = "request headers not received within " + timeoutMs + " ms (" + settingName + ")\n";
        this.timeoutResponse = ("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n" +
            "Content-Type: text/plain; charset=utf-8\r\nContent-Length: " + reason.length() + "\r\n\r\n" + reason)
            .getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Wrap Undertow's open listener: each accepted connection gets its deadline before Undertow reads from it.
     */
    public ChannelListener<StreamConnection> openListener(final ChannelListener<StreamConnection> undertowOpenListener)
    {
        return connection ->
        {
            final Deadline deadline = new Deadline(connection);
            connection.getSourceChannel().setConduit(
                new ObservedSourceConduit(connection.getSourceChannel().getConduit(), deadline));
            awaitingFirstRequest.put(connection, deadline);
            deadline.arm();
            undertowOpenListener.handleEvent(connection);
        };
    }

    /**
     * Wrap the root handler: a request lifts its connection's deadline until the exchange completes.
     */
    public HttpHandler handler(final HttpHandler next)
    {
        return exchange ->
        {
            final Deadline deadline = deadlineOf(exchange.getConnection());
            if (null != deadline)
            {
                deadline.requestStarted();
                exchange.addExchangeCompleteListener(deadline);
            }
            next.handleRequest(exchange);
        };
    }

    private Deadline deadlineOf(final ServerConnection serverConnection)
    {
        Deadline deadline = serverConnection.getAttachment(DEADLINE);
        if (null == deadline && serverConnection instanceof AbstractServerConnection)
        {
            deadline = awaitingFirstRequest.remove(((AbstractServerConnection)serverConnection).getChannel());
            if (null != deadline)
            {
                serverConnection.putAttachment(DEADLINE, deadline);
            }
        }
        return deadline;
    }

    /**
     * One connection's deadline. Guarded by its own monitor: requests start on the IO thread but exchanges may
     * complete on any thread.
     */
    private final class Deadline implements Runnable, ExchangeCompletionListener
    {
        private final StreamConnection connection;
        private long deadlineMs = -1;
        private int requestsInFlight;
        private boolean upgraded;
        private XnioExecutor.Key timer;
        private volatile boolean bytesSeen;

        Deadline(final StreamConnection connection)
        {
            this.connection = connection;
        }

        synchronized void arm()
        {
            deadlineMs = System.currentTimeMillis() + timeoutMs;
            bytesSeen = false;
            if (null == timer)
            {
                schedule(timeoutMs);
            }
        }

        synchronized void requestStarted()
        {
            requestsInFlight++;
            deadlineMs = -1;
        }

        public void exchangeEvent(final HttpServerExchange exchange, final NextListener nextListener)
        {
            synchronized (this)
            {
                requestsInFlight--;
                if (exchange.isUpgrade())
                {
                    upgraded = true;
                }
                else if (0 == requestsInFlight && !upgraded && connection.isOpen())
                {
                    arm();
                }
            }
            nextListener.proceed();
        }

        void bytesRead()
        {
            if (!bytesSeen) // read first: most reads are on connections that have already sent something
            {
                bytesSeen = true;
            }
        }

        public void run()
        {
            boolean partialRequest = false;
            synchronized (this)
            {
                timer = null;
                if (!connection.isOpen())
                {
                    awaitingFirstRequest.remove(connection);
                    return;
                }
                if (-1 == deadlineMs || upgraded)
                {
                    return;
                }
                final long remainingMs = deadlineMs - System.currentTimeMillis();
                if (remainingMs > 0)
                {
                    schedule(remainingMs);
                    return;
                }
                deadlineMs = -1;
                partialRequest = bytesSeen;
            }
            awaitingFirstRequest.remove(connection);
            if (partialRequest)
            {
                requestTimeouts.increment();
                answerTimeout();
            }
            else
            {
                silentCloses.increment();
            }
            IoUtils.safeClose(connection);
        }

        private void schedule(final long delayMs)
        {
            try
            {
                timer = connection.getIoThread().executeAfter(this, delayMs, TimeUnit.MILLISECONDS);
            }
            catch (final RuntimeException ex)
            {
                timer = null; // the worker is shutting down: the connection goes with it
            }
        }

        /**
         * A best-effort 408 with the reason: no response has begun on this connection (no request reached a
         * handler since the last one completed), so the raw sink is Undertow's idle one.
         */
        private void answerTimeout()
        {
            try
            {
                final StreamSinkChannel sink = connection.getSinkChannel();
                sink.write(ByteBuffer.wrap(timeoutResponse));
                sink.flush();
            }
            catch (final IOException | RuntimeException ignore)
            {
                // the client is gone or not reading: the close is the answer
            }
        }
    }

    /**
     * Notes that a connection's client sent something, so that a deadline can tell a slow request from silence.
     */
    private static final class ObservedSourceConduit extends AbstractStreamSourceConduit<StreamSourceConduit>
    {
        private final Deadline deadline;

        ObservedSourceConduit(final StreamSourceConduit next, final Deadline deadline)
        {
            super(next);
            this.deadline = deadline;
        }

        public int read(final ByteBuffer dst) throws IOException
        {
            return observed(next.read(dst));
        }

        public long read(final ByteBuffer[] dsts, final int offs, final int len) throws IOException
        {
            return observed(next.read(dsts, offs, len));
        }

        public long transferTo(final long position, final long count, final FileChannel target) throws IOException
        {
            return observed(next.transferTo(position, count, target));
        }

        public long transferTo(final long count, final ByteBuffer throughBuffer, final StreamSinkChannel target)
            throws IOException
        {
            return observed(next.transferTo(count, throughBuffer, target));
        }

        private int observed(final int bytes)
        {
            if (bytes > 0)
            {
                deadline.bytesRead();
            }
            return bytes;
        }

        private long observed(final long bytes)
        {
            if (bytes > 0)
            {
                deadline.bytesRead();
            }
            return bytes;
        }
    }
}
