package io.pushengine.edge.http;

import io.pushengine.codec.AgentWakeups;
import io.undertow.UndertowOptions;
import io.undertow.protocols.ssl.UndertowXnioSsl;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import org.xnio.ChannelListener;
import org.xnio.ChannelListeners;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioIoThread;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

import javax.net.ssl.SSLContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.UnaryOperator;

/**
 * The edge's one HTTP/1.1 listener (plain or TLS) on an XNIO worker: what {@code Undertow.start()} builds for a
 * listener, assembled here so that the edge can wrap Undertow's open listener and see every accepted connection
 * before a request exists (see {@link io.pushengine.edge.admission.SlowRequestGuard}).
 */
public final class EdgeHttpListener implements AutoCloseable
{
    private final XnioWorker worker;
    private final AcceptingChannel<? extends StreamConnection> acceptor;
    private final HttpOpenListener openListener;
    private boolean closed;

    /**
     * What to listen on and how.
     *
     * @param host           address to bind.
     * @param port           port to bind, 0 for an ephemeral one.
     * @param tls            the server's TLS context, or null for plain HTTP.
     * @param ioThreads      XNIO IO threads.
     * @param workerThreads  threads for blocking work (the edge does none on its hot paths).
     * @param bufferSize     size of each pooled (direct) buffer.
     * @param serverOptions  Undertow options (header and entity limits, timeouts).
     * @param socketOptions  socket options added to the defaults ({@code TCP_NODELAY}, {@code BACKLOG} 1000).
     */
    public record Settings(
        String host,
        int port,
        SSLContext tls,
        int ioThreads,
        int workerThreads,
        int bufferSize,
        OptionMap serverOptions,
        OptionMap socketOptions)
    {
    }

    private EdgeHttpListener(
        final XnioWorker worker,
        final AcceptingChannel<? extends StreamConnection> acceptor,
        final HttpOpenListener openListener)
    {
        this.worker = worker;
        this.acceptor = acceptor;
        this.openListener = openListener;
    }

    /**
     * Bind and start accepting.
     *
     * @param settings        where and how.
     * @param ioThreads       opened on the worker's IO threads before the first connection is accepted.
     * @param rootHandler     the handler every request goes to.
     * @param wrapOpenListener given Undertow's open listener, the listener accepted connections go to.
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static EdgeHttpListener start(
        final Settings settings,
        final EdgeIoThreads ioThreads,
        final HttpHandler rootHandler,
        final UnaryOperator<ChannelListener<StreamConnection>> wrapOpenListener)
    {
        final Xnio xnio = Xnio.getInstance(EdgeHttpListener.class.getClassLoader());
        XnioWorker worker = null;
        try
        {
            worker = xnio.createWorker(OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, settings.ioThreads())
                .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
                .set(Options.CONNECTION_LOW_WATER, 1_000_000)
                .set(Options.WORKER_TASK_CORE_THREADS, settings.workerThreads())
                .set(Options.WORKER_TASK_MAX_THREADS, settings.workerThreads())
                .set(Options.TCP_NODELAY, true)
                .set(Options.CORK, true)
                .getMap());
            ioThreads.open(worker);
            final OptionMap socketOptions = OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, worker.getIoThreadCount())
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BALANCING_TOKENS, 1)
                .set(Options.BALANCING_CONNECTIONS, 2)
                .set(Options.BACKLOG, 1000)
                .addAll(settings.socketOptions())
                .getMap();
            final OptionMap undertowOptions = OptionMap.builder()
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, true)
                .addAll(settings.serverOptions())
                .getMap();
            final HttpOpenListener openListener = new HttpOpenListener(
                new DefaultByteBufferPool(true, settings.bufferSize(), -1, 4), undertowOptions);
            openListener.setRootHandler(rootHandler);
            final ChannelListener<StreamConnection> accepted = wrapOpenListener.apply(openListener);
            final ChannelListener acceptListener = ChannelListeners.openListenerAdapter(accepted);
            final InetSocketAddress address = new InetSocketAddress(
                InetAddress.getByName(settings.host()), settings.port());
            final AcceptingChannel<? extends StreamConnection> acceptor;
            if (null != settings.tls())
            {
                acceptor = new UndertowXnioSsl(xnio, OptionMap.create(Options.USE_DIRECT_BUFFERS, true),
                    settings.tls()).createSslConnectionServer(worker, address, acceptListener, socketOptions);
            }
            else
            {
                acceptor = worker.createStreamConnectionServer(address, acceptListener, socketOptions);
            }
            acceptor.resumeAccepts();
            for (int i = 0, count = worker.getIoThreadCount(); i < count; i++)
            {
                final XnioIoThread ioThread = worker.getIoThread(i);
                AgentWakeups.registerEventLoop(ioThread, ioThread); // it may run the agents it gives work
            }
            return new EdgeHttpListener(worker, acceptor, openListener);
        }
        catch (final Exception ex)
        {
            if (null != worker)
            {
                worker.shutdownNow();
            }
            throw new IllegalStateException("cannot listen on " + settings.host() + ":" + settings.port() + ": " +
                ex.getMessage(), ex);
        }
    }

    /**
     * The bound port (useful with port 0).
     */
    public int port()
    {
        return ((InetSocketAddress)acceptor.getLocalAddress()).getPort();
    }

    /**
     * Stop accepting, close every connection, and stop the IO threads. Idempotent.
     */
    public synchronized void close()
    {
        if (closed)
        {
            return; // a second close would wait forever on IO threads that are gone
        }
        closed = true;
        for (int i = 0, count = worker.getIoThreadCount(); i < count; i++)
        {
            AgentWakeups.unregisterEventLoop(worker.getIoThread(i));
        }
        IoUtils.safeClose(acceptor);
        openListener.closeConnections();
        worker.shutdown();
        try
        {
            // no time limit, as Undertow's own stop(): connections' close tasks run on the IO threads and touch the
            // edge's counters, which live in Aeron's mapped file; the caller unmaps it next, so every IO thread
            // must be done first (with a 5 s limit an edge closing 18,000 connections crashed the JVM: SIGSEGV)
            worker.awaitTermination();
        }
        catch (final InterruptedException ex)
        {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
