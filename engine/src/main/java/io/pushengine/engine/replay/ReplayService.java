package io.pushengine.engine.replay;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.pushengine.codec.AgentWakeups;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.pushengine.codec.FrameCheck;
import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.MessageHeaderEncoder;
import io.pushengine.codec.sbe.ReplayBeginEncoder;
import io.pushengine.codec.sbe.ReplayEndEncoder;
import io.pushengine.codec.sbe.ReplayRequestDecoder;
import io.pushengine.journal.EventJournal;
import io.pushengine.journal.JournalEventHandler;
import io.pushengine.journal.JournalReader;
import io.pushengine.journal.JournalRetention;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.AtomicCounter;

import java.util.ArrayDeque;

/**
 * Serves journal replays to edges over Aeron, so an edge on another host can resume its clients without sharing the
 * engine's disk. Requests ({@code ReplayRequest}) arrive on the replay request stream; each answer goes out on the
 * replay stream as {@code ReplayBegin}, the journaled {@code Event} messages in order, then {@code ReplayEnd}. One
 * request is answered at a time, in arrival order, so answers never interleave; every edge sees every answer and
 * keeps those with its correlation ids.
 * <p>
 * Reads the journal with its own tailer on its own thread: the sequencer is never slowed by a replay. Back pressure
 * from the replay stream pauses the answer (the event in hand is kept and retried), it never drops one.
 * <p>
 * Also enforces the journal's retention once a second, between answers, on this same thread.
 */
public final class ReplayService implements Agent, FragmentHandler, JournalEventHandler
{
    private static final int EVENTS_PER_DUTY_CYCLE = 64;
    private static final long RETENTION_INTERVAL_MS = 1000;

    private record Request(long correlationId, long fromSequence, long toSequence)
    {
    }

    private enum State
    {
        IDLE, BEGIN, EVENTS, END
    }

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final ReplayRequestDecoder requestDecoder = new ReplayRequestDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final ReplayBeginEncoder beginEncoder = new ReplayBeginEncoder();
    private final ReplayEndEncoder endEncoder = new ReplayEndEncoder();
    private final UnsafeBuffer controlBuffer = new UnsafeBuffer(new byte[64]);
    private final ExpandableArrayBuffer pendingEvent = new ExpandableArrayBuffer(1024);
    private final EventDecoder eventDecoder = new EventDecoder();
    private final ArrayDeque<Request> requests = new ArrayDeque<>();
    private final Subscription requestSubscription;
    private final ExclusivePublication replayPublication;
    private final AgentWakeups.Wakeup requestWakeup;
    private final AgentWakeups.Wakeup replayStreamWakeup;
    private final EventJournal journal;
    private final AtomicCounter replaysServed;
    private final AtomicCounter eventsReplayed;
    private final JournalRetention retention;
    private final AtomicCounter cyclesDeleted;
    private final long awaitJournalNs;
    private long awaitDeadlineNs;
    private long nextRetentionMs;
    private JournalReader reader;
    private State state = State.IDLE;
    private Thread agentThread;
    private Request current;
    private long lastSent;
    private long oldestRetained;
    private boolean tooOld;
    private boolean skippedEarlier;
    private int pendingLength;

    public ReplayService(
        final Subscription requestSubscription,
        final ExclusivePublication replayPublication,
        final EventJournal journal,
        final AtomicCounter replaysServed,
        final AtomicCounter eventsReplayed,
        final JournalRetention retention,
        final AtomicCounter cyclesDeleted)
    {
        this(requestSubscription, replayPublication, journal, replaysServed, eventsReplayed, retention, cyclesDeleted,
            0);
    }

    /**
     * @param awaitJournalNs how long a request whose end this journal has not reached yet waits for it before it is
     *                       answered short: a cluster follower journals a little after the member an edge saw the
     *                       events from; 0 (the single engine, which journals before it sends) answers at once.
     */
    public ReplayService(
        final Subscription requestSubscription,
        final ExclusivePublication replayPublication,
        final EventJournal journal,
        final AtomicCounter replaysServed,
        final AtomicCounter eventsReplayed,
        final JournalRetention retention,
        final AtomicCounter cyclesDeleted,
        final long awaitJournalNs)
    {
        this.awaitJournalNs = awaitJournalNs;
        this.retention = retention;
        this.cyclesDeleted = cyclesDeleted;
        this.requestSubscription = requestSubscription;
        this.replayPublication = replayPublication;
        this.requestWakeup = AgentWakeups.forStream(requestSubscription.channel(), requestSubscription.streamId());
        this.replayStreamWakeup = AgentWakeups.forStream(replayPublication.channel(), replayPublication.streamId());
        this.journal = journal;
        this.replaysServed = replaysServed;
        this.eventsReplayed = eventsReplayed;
    }

    public String roleName()
    {
        return "engine-replay";
    }

    public void onStart()
    {
        reader = journal.newReader(); // tailers are single threaded: made on the thread that uses it
        agentThread = Thread.currentThread();
        requestWakeup.register(agentThread);
    }

    public void onClose()
    {
        requestWakeup.unregister(agentThread);
        CloseHelper.quietClose(reader);
    }

    /**
     * True while a replay is under way or queued (a back-pressured replay is retried by time, not by a wake-up).
     * Agent thread.
     */
    public boolean hasWorkDueSoon()
    {
        return State.IDLE != state || !requests.isEmpty();
    }

    public int doWork()
    {
        final int work = doDuties();
        if (work > 0)
        {
            replayStreamWakeup.wake();
        }
        return work;
    }

    private int doDuties()
    {
        int work = requestSubscription.poll(this, 16);
        if (State.IDLE == state && retention.isEnabled())
        {
            final long nowMs = System.currentTimeMillis();
            if (nowMs >= nextRetentionMs)
            {
                nextRetentionMs = nowMs + RETENTION_INTERVAL_MS;
                final int deleted = retention.enforce(nowMs);
                cyclesDeleted.getAndAddRelease(deleted);
                work += deleted;
            }
        }
        if (State.IDLE == state && !requests.isEmpty())
        {
            start(requests.poll());
            work++;
        }
        switch (state)
        {
            case BEGIN:
                work += sendBegin();
                break;
            case EVENTS:
                work += sendEvents();
                break;
            case END:
                work += sendEnd();
                break;
            default:
                break;
        }
        return work;
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (FrameCheck.OK != FrameCheck.check(headerDecoder, buffer, offset, length) ||
            headerDecoder.templateId() != ReplayRequestDecoder.TEMPLATE_ID)
        {
            return;
        }
        requestDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        requests.add(new Request(
            requestDecoder.correlationId(), requestDecoder.fromSequence(), requestDecoder.toSequence()));
    }

    private void start(final Request request)
    {
        current = request;
        lastSent = request.fromSequence();
        pendingLength = 0;
        oldestRetained = reader.oldestSequence();
        tooOld = request.toSequence() > request.fromSequence() &&
            JournalReader.BEFORE_START == reader.seek(request.fromSequence() + 1);
        awaitDeadlineNs = System.nanoTime() + awaitJournalNs;
        state = State.BEGIN;
    }

    private int sendBegin()
    {
        beginEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder).correlationId(current.correlationId());
        if (replayPublication.offer(controlBuffer, 0,
            MessageHeaderEncoder.ENCODED_LENGTH + ReplayBeginEncoder.BLOCK_LENGTH) < 0)
        {
            return 0;
        }
        state = tooOld || current.toSequence() <= current.fromSequence() ? State.END : State.EVENTS;
        return 1;
    }

    private int sendEvents()
    {
        int sent = 0;
        while (sent < EVENTS_PER_DUTY_CYCLE)
        {
            if (0 == pendingLength && 0 == reader.read(this, 1))
            {
                if (lastSent < current.toSequence() && awaitJournalNs > 0 &&
                    System.nanoTime() - awaitDeadlineNs < 0)
                {
                    break; // not journaled here yet: read again next cycle
                }
                state = State.END; // end of the journal
                break;
            }
            if (0 == pendingLength)
            {
                if (skippedEarlier)
                {
                    skippedEarlier = false;
                    continue;
                }
                break; // the event read is past toSequence
            }
            if (replayPublication.offer(pendingEvent, 0, pendingLength) < 0)
            {
                return sent; // back pressure: keep it, retry next cycle
            }
            pendingLength = 0;
            sent++;
            eventsReplayed.incrementRelease();
            if (lastSent >= current.toSequence())
            {
                state = State.END;
                break;
            }
        }
        return sent;
    }

    /**
     * One journaled event: keep it for the offer unless it is past the request's end.
     */
    public boolean onJournaledEvent(final DirectBuffer buffer, final int offset, final int length)
    {
        eventDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final long sequence = eventDecoder.globalSequence();
        if (sequence <= current.fromSequence())
        {
            skippedEarlier = true; // read from the journal's end while awaiting: not asked for
            return true;
        }
        if (sequence > current.toSequence())
        {
            state = State.END;
            pendingLength = 0;
            return false;
        }
        pendingEvent.putBytes(0, buffer, offset, length);
        pendingLength = length;
        lastSent = sequence;
        return true;
    }

    private int sendEnd()
    {
        endEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
            .correlationId(current.correlationId())
            .lastSequence(lastSent)
            .oldestRetained(oldestRetained)
            .tooOld((short)(tooOld ? 1 : 0));
        if (replayPublication.offer(controlBuffer, 0,
            MessageHeaderEncoder.ENCODED_LENGTH + ReplayEndEncoder.BLOCK_LENGTH) < 0)
        {
            return 0;
        }
        replaysServed.incrementRelease();
        current = null;
        state = State.IDLE;
        return 1;
    }
}
