package io.pushengine.codec;

/**
 * The Aeron settings every part of the engine shares (the role Aeron's {@code CommonContext} plays for its driver,
 * archive and cluster contexts): where the media driver is, and the channels and stream ids of the event stream
 * (engine to edges) and the ingress (publishers and edges to the engine). {@code PushEngine.Context},
 * {@code FanOut.Context} and {@code PushPublisher.Context} extend it, so one name means one setting everywhere.
 * Fields are defaulted where declared from {@link StreamConfiguration}'s properties.
 *
 * @param <T> the concrete context, returned by the setters so calls chain.
 */
public abstract class StreamContext<T extends StreamContext<T>>
{
    private String aeronDirectoryName = StreamConfiguration.aeronDir();
    private String eventsChannel = StreamConfiguration.eventsChannel();
    private int eventsStreamId = ProtocolDefaults.EVENTS_STREAM_ID;
    private String ingressChannel = StreamConfiguration.ingressChannel();
    private int ingressStreamId = ProtocolDefaults.INGRESS_STREAM_ID;

    /**
     * @return this context as its concrete type.
     */
    protected abstract T self();

    /**
     * The media driver's directory; null until concluded when neither set nor a property (each context then picks
     * its default, Aeron's own or, for an embedded driver, a directory of its own).
     */
    public T aeronDirectoryName(final String aeronDirectoryName)
    {
        this.aeronDirectoryName = aeronDirectoryName;
        return self();
    }

    public String aeronDirectoryName()
    {
        return aeronDirectoryName;
    }

    /**
     * The channel of the event stream: the engine publishes events, acknowledgements and catalog answers on it.
     */
    public T eventsChannel(final String eventsChannel)
    {
        this.eventsChannel = eventsChannel;
        return self();
    }

    public String eventsChannel()
    {
        return eventsChannel;
    }

    public T eventsStreamId(final int eventsStreamId)
    {
        this.eventsStreamId = eventsStreamId;
        return self();
    }

    public int eventsStreamId()
    {
        return eventsStreamId;
    }

    /**
     * The channel of the engine's ingress: publish and catalog requests.
     */
    public T ingressChannel(final String ingressChannel)
    {
        this.ingressChannel = ingressChannel;
        return self();
    }

    public String ingressChannel()
    {
        return ingressChannel;
    }

    public T ingressStreamId(final int ingressStreamId)
    {
        this.ingressStreamId = ingressStreamId;
        return self();
    }

    public int ingressStreamId()
    {
        return ingressStreamId;
    }
}
