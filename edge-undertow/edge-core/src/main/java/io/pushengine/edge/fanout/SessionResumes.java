package io.pushengine.edge.fanout;

import io.pushengine.codec.sbe.EventDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.stream.CatalogSync;
import io.pushengine.edge.session.ClientSession;
import io.pushengine.edge.session.EncodedEvent;
import io.pushengine.edge.session.RecentEvents;
import io.pushengine.edge.session.ResumeState;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;

import java.util.ArrayList;
import java.util.List;

/**
 * Resumes: brings connections that came back with a cursor up to date, then live, with nothing lost at the seam
 * and nothing sent twice. From the edge's recent window when it still holds the next sequence, else by asking the
 * engine for a journal replay of the part before the window; a session goes live (and is told so with
 * {@code Resumed}) when its cursor reaches the newest sequence known. A cursor beyond anything the engine issued,
 * or older than its journal retains, ends the resume with a reset (the client must take the current state).
 * <p>
 * Live events are not given to a resuming session ({@link ClientSession#isResuming()}): it reads them, in order, from
 * the recent window once its replay reaches them. Owns the sessions resuming and the journal replays asked for
 * them; each session's progress is its {@link ResumeState}. Fan-out thread only.
 */
final class SessionResumes
{
    private static final int EVENTS_PER_DUTY_CYCLE = 256;

    private final List<ClientSession> resuming = new ArrayList<>();
    private final Long2ObjectHashMap<ClientSession> replaysInFlight = new Long2ObjectHashMap<>();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EventDecoder eventDecoder = new EventDecoder();
    private final EncodedEvent encodedEvent = new EncodedEvent();
    private final RecentEvents recentEvents;
    private final CatalogSync catalogSync;
    private final ReplayRequester replayRequester;
    private final ReplayCorrelationIds correlationIds;
    private final FanOutCounters counters;
    private final SessionDelivery delivery;
    private ClientSession replayTarget;
    private long replayTargetCorrelationId;

    /**
     * @param replayRequester asks the engine for journal replays; null when there is no journal to ask (a resume
     *                        older than the recent window then ends with a reset).
     */
    SessionResumes(
        final RecentEvents recentEvents,
        final CatalogSync catalogSync,
        final ReplayRequester replayRequester,
        final ReplayCorrelationIds correlationIds,
        final FanOutCounters counters,
        final SessionDelivery delivery)
    {
        this.recentEvents = recentEvents;
        this.catalogSync = catalogSync;
        this.replayRequester = replayRequester;
        this.correlationIds = correlationIds;
        this.counters = counters;
        this.delivery = delivery;
    }

    /**
     * True while a session is resuming: its progress depends on the duty cycle, not on a wake-up.
     */
    boolean hasWork()
    {
        return !resuming.isEmpty();
    }

    /**
     * Start the resume of a session registered with a cursor (its {@code RESUME} command, after its initial
     * subscriptions, so every topic it asked for is considered).
     */
    void start(final ClientSession session)
    {
        if (session.isResuming() && session.fanOutIndex() >= 0) // one RESUME per session, after REGISTER
        {
            session.resume().listIndex(resuming.size());
            resuming.add(session);
        }
    }

    /**
     * The session is gone: drop its resume and any replay it waited for.
     */
    void remove(final ClientSession session)
    {
        final ResumeState resume = session.resume();
        if (null == resume)
        {
            return;
        }
        final int index = resume.listIndex();
        if (index >= 0 && index < resuming.size() && resuming.get(index) == session)
        {
            removeAt(index);
        }
        if (0 != resume.replayCorrelationId())
        {
            replaysInFlight.remove(resume.replayCorrelationId());
        }
        if (replayTarget == session)
        {
            replayTarget = null;
        }
        session.resuming(false);
    }

    /**
     * A new engine session: replays asked of the old engine will not be answered; they are asked again.
     */
    void onEngineRestarted()
    {
        if (!replaysInFlight.isEmpty())
        {
            for (final ClientSession session : replaysInFlight.values())
            {
                session.resume().replayEnded();
            }
            replaysInFlight.clear();
            replayTarget = null;
        }
    }

    /**
     * Move every resuming session on as far as the window, the ring and the replays allow.
     *
     * @param engineLastSequence the newest sequence the engine is known to have issued.
     * @param catalogAnswers     catalog answers had so far (a cursor beyond what is known waits for one more).
     * @return work done.
     */
    int doWork(final long engineLastSequence, final long catalogAnswers)
    {
        if (resuming.isEmpty() || !catalogSync.isComplete())
        {
            return 0; // until the catalog answer, the edge does not know how far the engine has got
        }
        int work = 0;
        for (int i = resuming.size() - 1; i >= 0; i--)
        {
            final ClientSession session = resuming.get(i);
            final ResumeState resume = session.resume();
            if (0 != resume.replayCorrelationId())
            {
                continue; // waiting for the engine
            }
            final long known = Math.max(recentEvents.last(), engineLastSequence);
            final long cursor = resume.cursor();
            if (cursor > known)
            {
                if (resume.catalogAnswersAwaited() < 0)
                {
                    // this edge may just be behind the engine (another edge gave the client that sequence):
                    // ask the engine where it is before calling the sequence unknown
                    resume.catalogAnswersAwaited(catalogAnswers + 1);
                    catalogSync.requestAgain();
                }
                else if (catalogAnswers >= resume.catalogAnswersAwaited())
                {
                    // a sequence this engine never issued (e.g. its journal was reset): the client must start again
                    resume.incomplete(0);
                    resume.cursor(known);
                    work++;
                }
            }
            else if (cursor == known)
            {
                work += finish(session, i, !resume.isIncomplete(), resume.oldestRetained(), known);
            }
            else if (recentEvents.contains(cursor + 1))
            {
                work += resumeFromWindow(session);
            }
            else if (null != replayRequester)
            {
                final long to = recentEvents.first() <= recentEvents.last() && recentEvents.first() > cursor + 1 ?
                    recentEvents.first() - 1 : known;
                final long correlationId = correlationIds.next();
                if (replayRequester.request(correlationId, cursor, to))
                {
                    resume.replayRequested(correlationId);
                    replaysInFlight.put(correlationId, session);
                    counters.replayRequests().incrementRelease();
                    work++;
                }
            }
        }
        return work;
    }

    private int resumeFromWindow(final ClientSession session)
    {
        final ResumeState resume = session.resume();
        int work = 0;
        long sequence = resume.cursor() + 1;
        while (sequence <= recentEvents.last() && work < EVENTS_PER_DUTY_CYCLE)
        {
            if (!deliver(session, recentEvents.buffer(), recentEvents.offset(sequence), recentEvents.length(sequence)))
            {
                break; // ring full: carry on next duty cycle (or from the journal if the window moves past)
            }
            resume.cursor(sequence++);
            work++;
        }
        return work;
    }

    /**
     * Offer a window or journal event to a resuming session if it is on one of its topics.
     *
     * @return false only if the session's ring is full.
     */
    private boolean deliver(final ClientSession session, final DirectBuffer buffer, final int offset, final int length)
    {
        eventDecoder.wrapAndApplyHeader(buffer, offset, headerDecoder);
        final int number = eventDecoder.topic();
        final List<TopicSubscription> subscriptions = session.subscriptions();
        for (int i = 0, size = subscriptions.size(); i < size; i++)
        {
            final TopicSubscription subscription = subscriptions.get(i);
            if (subscription.topic().number() == number)
            {
                if (!delivery.offer(subscription, encodedEvent.wrap(
                    eventDecoder, subscription.topic().name(), buffer, offset, length)))
                {
                    return false;
                }
                counters.eventsResumed().incrementRelease();
                return true;
            }
        }
        return true;
    }

    private int finish(
        final ClientSession session, final int index, final boolean complete, final long oldest, final long to)
    {
        if (!session.offerResumed(session.resumeFrom(), to, complete, oldest))
        {
            return 0; // ring full: try again next duty cycle
        }
        delivery.queued(session);
        removeAt(index);
        session.resuming(false);
        (complete ? counters.resumes() : counters.resumeResets()).incrementRelease();
        return 1;
    }

    /**
     * O(1): the last session takes the place (order among resuming sessions does not matter, and {@link #doWork}
     * walks the list from its end, so the one moved was already visited), so a wave of polls resumed and answered
     * in one duty cycle costs one step each, not a search each.
     */
    private void removeAt(final int index)
    {
        final ClientSession removed = resuming.get(index);
        final ClientSession last = resuming.remove(resuming.size() - 1);
        if (last != removed)
        {
            resuming.set(index, last);
            last.resume().listIndex(index);
        }
        removed.resume().listIndex(-1);
    }

    /**
     * A replay begins: if it is one of ours, its events go to the session that asked.
     *
     * @return true if it is a resume's replay.
     */
    boolean onReplayBegin(final long correlationId)
    {
        replayTarget = replaysInFlight.get(correlationId);
        replayTargetCorrelationId = null == replayTarget ? 0 : correlationId;
        return null != replayTarget;
    }

    void onReplayedEvent(final long sequence, final DirectBuffer buffer, final int offset, final int length)
    {
        final ClientSession session = replayTarget;
        if (null == session)
        {
            return;
        }
        final ResumeState resume = session.resume();
        if (resume.isReplayAbandoned() || sequence <= resume.cursor())
        {
            return;
        }
        if (deliver(session, buffer, offset, length))
        {
            resume.cursor(sequence);
        }
        else
        {
            resume.replayAbandoned(); // the rest is asked for again once the ring has room
        }
    }

    /**
     * A replay ended: if it was one of ours and moved nothing on because the journal no longer holds what the client
     * missed, the session goes live and is told to resync.
     */
    void onReplayEnd(
        final long correlationId, final long oldestRetained, final boolean tooOld, final long engineLastSequence)
    {
        final ClientSession session = replaysInFlight.remove(correlationId);
        final boolean begun = correlationId == replayTargetCorrelationId;
        replayTarget = null;
        replayTargetCorrelationId = 0;
        if (null == session)
        {
            return;
        }
        final ResumeState resume = session.resume();
        final boolean progressed = resume.replayEnded();
        if (!begun && !tooOld)
        {
            // its beginning never reached this edge (the replay stream joined while it was being sent), so none of
            // its events were taken: the next duty cycle asks again from the session's cursor
            counters.replayRetries().incrementRelease();
            return;
        }
        if (tooOld || (!progressed && !recentEvents.contains(resume.cursor() + 1)))
        {
            resume.incomplete(oldestRetained);
            resume.cursor(Math.max(recentEvents.last(), engineLastSequence));
        }
    }
}
