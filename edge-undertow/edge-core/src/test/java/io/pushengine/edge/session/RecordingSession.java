package io.pushengine.edge.session;

import io.pushengine.codec.sbe.EventDecoder;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.ControlledMessageHandler;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test double of a transport: a session that records what the fan-out asks of it. Events either go through the
 * ring ({@code viaRing}: the real claim/write path, read back by {@link #readRing()}) or are recorded at once, with
 * room for {@link #room} more.
 */
public final class RecordingSession extends ClientSession implements ControlledMessageHandler
{
    public final List<Long> events = new ArrayList<>();
    public final List<String> controls = new ArrayList<>();
    public final List<Long> heartbeatSequences = new ArrayList<>();
    public final List<Long> ringSequences = new ArrayList<>();
    public int room = Integer.MAX_VALUE;
    public Runnable onHeartbeat = () -> {}; // what the test's "transport" does as it writes a heartbeat
    public int drains;
    public int closeCode;
    public String closeReason;
    private final boolean viaRing;

    /**
     * An IO thread that runs every task on the caller's thread at once: a test steps the fan-out and sees what its
     * sessions were asked to do as it returns (no batching windows).
     */
    public static IoThreadFlusher inlineIoThread()
    {
        return new IoThreadFlusher(new SessionExecutor()
        {
            public void execute(final Runnable task)
            {
                task.run();
            }

            public void executeAfter(final Runnable task, final long delay, final TimeUnit unit)
            {
                throw new UnsupportedOperationException("no batching window in these tests");
            }
        }, 1024, 1024, null, DeliveryLatencies.unregistered(), new org.agrona.concurrent.OffsetEpochNanoClock());
    }

    public RecordingSession(
        final long sessionId,
        final IoThreadFlusher flusher,
        final int initialRingCapacity,
        final int ringCapacity,
        final AtomicCounter ringBytes,
        final ConnectionOptions options,
        final boolean viaRing)
    {
        super(sessionId, "test", "test", flusher, initialRingCapacity, ringCapacity, ringBytes, options);
        this.viaRing = viaRing;
    }

    public boolean offerEvent(final EncodedEvent event)
    {
        if (viaRing)
        {
            return write(OutboundRingDescriptor.EVENT_MSG_TYPE_ID, event.body(), 0, event.body().capacity());
        }
        if (room <= 0)
        {
            return false;
        }
        room--;
        events.add(event.globalSequence());
        return true;
    }

    public boolean offerSubscribed(
        final long correlationId, final int topic, final long topicSequence, final String topicName)
    {
        controls.add("subscribed " + topicName);
        return true;
    }

    public boolean offerGap(
        final int topic,
        final String topicName,
        final long fromSequence,
        final long toSequence,
        final long fromTopicSequence,
        final long toTopicSequence)
    {
        if (room <= 0)
        {
            return false; // no room: a full ring takes no notice either
        }
        controls.add("gap " + topicName + " " + fromSequence + ".." + toSequence);
        return true;
    }

    public boolean offerResumed(
        final long fromSequence, final long toSequence, final boolean complete, final long oldestRetained)
    {
        controls.add("resumed " + fromSequence + ".." + toSequence +
            (complete ? " complete" : " reset oldest " + oldestRetained));
        return true;
    }

    public boolean offerSnapshotBegin(final long correlationId)
    {
        controls.add("snapshot begin");
        return true;
    }

    public boolean offerSnapshotEnd(final long correlationId, final long asOfSequence, final int valueCount)
    {
        controls.add("snapshot end " + asOfSequence + " values " + valueCount);
        return true;
    }

    /**
     * What the IO side would read: every queued message, in order across the connection's rings.
     *
     * @return messages read.
     */
    public int readRing()
    {
        return readQueued(this);
    }

    public Action onMessage(final int msgTypeId, final MutableDirectBuffer buffer, final int index, final int length)
    {
        ringSequences.add(buffer.getLong(index + EventDecoder.globalSequenceEncodingOffset())); // an Event body
        return Action.CONTINUE;
    }

    protected void drain()
    {
        drains++;
    }

    protected void sendHeartbeat(final long timestampNs, final long lastGlobalSequence)
    {
        heartbeatSequences.add(lastGlobalSequence);
        onHeartbeat.run();
    }

    protected void closeOnIoThread(final int code, final String reason)
    {
        closed = true;
        closeCode = code;
        closeReason = reason;
    }
}
