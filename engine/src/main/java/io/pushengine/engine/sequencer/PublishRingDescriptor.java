package io.pushengine.engine.sequencer;

/**
 * Layout of the messages in-process publishers write into the sequencer's many-to-one ring buffer.
 * <pre>
 * PUBLISH (msgTypeId 1)                         DECLARE_TOPIC (msgTypeId 2)
 *  0                   8                        0                   8
 *  +-------------------+                        +-------------------+
 *  |   correlationId   |  0 = no ack wanted     |   correlationId   |
 *  +-------------------+                        +-------------------+
 *  |    timestampNs    |  epoch ns              |  name (ASCII) ... |
 *  +---------+----+----+                        +-------------------+
 *  |  topic  |type|  payload ...
 *  +---------+----+-------------
 *  16        20   21
 * </pre>
 */
public final class PublishRingDescriptor
{
    public static final int PUBLISH_MSG_TYPE_ID = 1;
    public static final int DECLARE_TOPIC_MSG_TYPE_ID = 2;

    public static final int CORRELATION_ID_OFFSET = 0;
    public static final int TIMESTAMP_OFFSET = 8;
    public static final int TOPIC_OFFSET = 16;
    public static final int PAYLOAD_TYPE_OFFSET = 20;
    public static final int PAYLOAD_OFFSET = 21;

    public static final int TOPIC_NAME_OFFSET = 8;

    private PublishRingDescriptor()
    {
    }
}
