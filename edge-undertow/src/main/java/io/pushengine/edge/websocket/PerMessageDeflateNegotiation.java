package io.pushengine.edge.websocket;

import io.undertow.websockets.WebSocketExtension;
import io.undertow.websockets.extensions.ExtensionFunction;
import io.undertow.websockets.extensions.ExtensionHandshake;

import java.util.List;
import java.util.function.Supplier;

/**
 * The server's side of a {@code permessage-deflate} offer (RFC 7692), without state shared between connections
 * (Undertow's own handshake object keeps the last offer's context-takeover choices for every later connection).
 * <ul>
 *   <li>The answer always carries {@code client_no_context_takeover}: a client compresses each message on its own,
 *       so Undertow's inbound side can inflate every connection's messages the same way, with no per-connection
 *       window kept for the few messages a client sends.</li>
 *   <li>{@code server_no_context_takeover} is granted when asked: {@link WebSocketDeflater} then starts each message
 *       afresh; otherwise it keeps its window across messages, which is what makes small price ticks compress.</li>
 *   <li>{@code server_max_window_bits} below 15 is declined (the JDK's deflater always uses a 32 KiB window), so a
 *       client offering only that gets no compression; 15 is accepted. {@code client_max_window_bits} is a hint
 *       the answer leaves out (the client may use its full window). Any other parameter declines the offer.</li>
 * </ul>
 * Outbound frames are compressed by the session's own writer ({@link WebSocketDeflater}), not by Undertow, whose
 * outbound path the edge does not use; the extension function made here serves the inbound side ({@link
 * InboundInflate}).
 */
final class PerMessageDeflateNegotiation implements ExtensionHandshake
{
    private final Supplier<ExtensionFunction> inbound;

    /**
     * @param inbound makes each connection's inbound side (the inflation of what the client sends).
     */
    PerMessageDeflateNegotiation(final Supplier<ExtensionFunction> inbound)
    {
        this.inbound = inbound;
    }

    static final String NAME = "permessage-deflate";
    static final String SERVER_NO_CONTEXT_TAKEOVER = "server_no_context_takeover";
    private static final String CLIENT_NO_CONTEXT_TAKEOVER = "client_no_context_takeover";
    private static final String SERVER_MAX_WINDOW_BITS = "server_max_window_bits";
    private static final String CLIENT_MAX_WINDOW_BITS = "client_max_window_bits";

    public String getName()
    {
        return NAME;
    }

    public WebSocketExtension accept(final WebSocketExtension offer)
    {
        if (null == offer || !NAME.equals(offer.getName()))
        {
            return null;
        }
        final WebSocketExtension answer = new WebSocketExtension(NAME);
        boolean clientNoContextTakeover = false;
        for (final WebSocketExtension.Parameter parameter : offer.getParameters())
        {
            switch (parameter.getName())
            {
                case SERVER_NO_CONTEXT_TAKEOVER -> answer.getParameters().add(parameter);
                case CLIENT_NO_CONTEXT_TAKEOVER ->
                {
                    answer.getParameters().add(parameter);
                    clientNoContextTakeover = true;
                }
                case SERVER_MAX_WINDOW_BITS ->
                {
                    if (!"15".equals(parameter.getValue()))
                    {
                        return null; // a smaller window than the JDK's deflater can keep to: decline this offer
                    }
                    answer.getParameters().add(parameter);
                }
                case CLIENT_MAX_WINDOW_BITS ->
                {
                    // a hint that the client can limit its window: not asked for
                }
                default ->
                {
                    return null;
                }
            }
        }
        if (!clientNoContextTakeover)
        {
            answer.getParameters().add(new WebSocketExtension.Parameter(CLIENT_NO_CONTEXT_TAKEOVER, null));
        }
        return answer;
    }

    public boolean isIncompatible(final List<ExtensionHandshake> extensions)
    {
        for (final ExtensionHandshake extension : extensions)
        {
            if (NAME.equals(extension.getName()))
            {
                return true;
            }
        }
        return false;
    }

    public ExtensionFunction create()
    {
        return inbound.get();
    }
}
