package io.pushengine.client;

import io.pushengine.codec.sbe.BatchDecoder;
import io.pushengine.codec.sbe.ErrorDecoder;
import io.pushengine.codec.sbe.MessageHeaderDecoder;
import io.pushengine.codec.sbe.PayloadType;
import io.pushengine.codec.sbe.ResumedDecoder;
import io.pushengine.codec.sbe.SnapshotBeginDecoder;
import io.pushengine.codec.sbe.SnapshotEndDecoder;
import io.pushengine.codec.sbe.SubscribedDecoder;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The decoding half of {@link PushSubscriber}: the edge's WebSocket frames, decoded with flyweights into calls of its
 * {@link PushSubscriber.Listener}, each event's payload a view of the frame (nothing allocated per event; a topic's
 * name once per topic). Keeps the cursor (the highest global sequence delivered, where a reconnect resumes) and,
 * per topic, the last topic sequence delivered: an event at or before it is one already had (a reconnect's overlap),
 * so a stream resumed after a reconnect never repeats an event. Per topic, because a throttled or conflated topic's
 * latest value can arrive after newer events of other topics. A snapshot's values (between {@code SnapshotBegin}
 * and {@code SnapshotEnd}) are the current state and are delivered whatever their sequences. One thread at a time; {@link #cursor()} from any.
 */
public final class SubscriberFrameDecoder
{
    private final Int2ObjectHashMap<String> topicNames = new Int2ObjectHashMap<>();
    private final UnsafeBuffer payloadView = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final BatchDecoder batchDecoder = new BatchDecoder();
    private final SubscribedDecoder subscribedDecoder = new SubscribedDecoder();
    private final ResumedDecoder resumedDecoder = new ResumedDecoder();
    private final SnapshotEndDecoder snapshotEndDecoder = new SnapshotEndDecoder();
    private final ErrorDecoder errorDecoder = new ErrorDecoder();
    private final Long2LongHashMap lastTopicSequences = new Long2LongHashMap(0);
    private final PushSubscriber.Listener listener;
    private volatile long cursor;
    private boolean inSnapshot;

    public SubscriberFrameDecoder(final PushSubscriber.Listener listener)
    {
        this.listener = listener;
    }

    /**
     * @return the last global sequence delivered (or the snapshot's position), 0 before any.
     */
    public long cursor()
    {
        return cursor;
    }

    /**
     * Decode one whole WebSocket frame (a {@code Batch} of events or a control message) into listener calls.
     */
    public void onFrame(final DirectBuffer frame, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return; // not one of ours
        }
        headerDecoder.wrap(frame, 0);
        switch (headerDecoder.templateId())
        {
            case BatchDecoder.TEMPLATE_ID:
                onBatch(frame);
                break;

            case SubscribedDecoder.TEMPLATE_ID:
                subscribedDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
                final int topic = subscribedDecoder.topic();
                String name = topicNames.get(topic);
                if (null == name)
                {
                    name = subscribedDecoder.topicName(); // once per topic
                    topicNames.put(topic, name);
                }
                listener.onSubscribed(name, subscribedDecoder.topicSequence());
                break;

            case ResumedDecoder.TEMPLATE_ID:
                resumedDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
                if (0 == resumedDecoder.complete())
                {
                    listener.onReset(resumedDecoder.fromSequence(), resumedDecoder.oldestRetained());
                    if (resumedDecoder.toSequence() > cursor)
                    {
                        cursor = resumedDecoder.toSequence();
                    }
                }
                break;

            case SnapshotBeginDecoder.TEMPLATE_ID:
                inSnapshot = true; // the values that follow are the current state, whatever their sequences
                break;

            case SnapshotEndDecoder.TEMPLATE_ID:
                inSnapshot = false;
                snapshotEndDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
                final long asOf = snapshotEndDecoder.asOfSequence();
                if (asOf > cursor)
                {
                    cursor = asOf; // the state is as of here: a reconnect resumes after it
                }
                listener.onSnapshot(asOf, snapshotEndDecoder.valueCount());
                break;

            case ErrorDecoder.TEMPLATE_ID:
                errorDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
                listener.onError(errorDecoder.codeRaw(), errorDecoder.reason());
                break;

            default:
                break; // heartbeats, acknowledgements: nothing for the stream
        }
    }

    private void onBatch(final DirectBuffer frame)
    {
        batchDecoder.wrapAndApplyHeader(frame, 0, headerDecoder);
        for (final BatchDecoder.EventsDecoder event : batchDecoder.events())
        {
            final long globalSequence = event.globalSequence();
            final int topic = event.topic();
            final long topicSequence = event.topicSequence();
            final long timestampNs = event.timestampNs();
            final PayloadType payloadType = event.payloadType();
            event.wrapPayload(payloadView); // a view of the frame: nothing copied
            if (inSnapshot)
            {
                // a topic's current value: it may be older than the cursor (a topic subscribed later); the cursor
                // moves to the snapshot's position at its end
                lastTopicSequences.put(topic, topicSequence);
                listener.onEvent(globalSequence, topicNames.get(topic), topicSequence, timestampNs, payloadType,
                    payloadView, 0, payloadView.capacity());
                continue;
            }
            // nothing twice, judged per topic: a throttled or conflated topic's latest value may come after newer
            // events of other topics, so global sequences are in order per topic only
            if (topicSequence <= lastTopicSequences.get(topic))
            {
                continue;
            }
            lastTopicSequences.put(topic, topicSequence);
            listener.onEvent(globalSequence, topicNames.get(topic), topicSequence, timestampNs, payloadType,
                payloadView, 0, payloadView.capacity());
            if (globalSequence > cursor)
            {
                cursor = globalSequence;
            }
        }
    }
}
