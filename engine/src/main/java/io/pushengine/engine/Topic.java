package io.pushengine.engine;

/**
 * A declared topic: its name and the stable number the sequencer gave it. Obtain with {@link PushEngine#topic}
 * once, then publish by handle (no lookup, no allocation per publish).
 */
public record Topic(String name, int number)
{
}
