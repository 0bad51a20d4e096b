package io.pushengine.journal;

import org.agrona.DirectBuffer;

/**
 * Receives journaled {@code Event} messages (header included) from a {@link JournalReader}.
 */
@FunctionalInterface
public interface JournalEventHandler
{
    /**
     * @return true to continue reading, false to stop after this event.
     */
    boolean onJournaledEvent(DirectBuffer buffer, int offset, int length);
}
