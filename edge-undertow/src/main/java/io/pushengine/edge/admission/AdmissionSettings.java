package io.pushengine.edge.admission;

import java.util.Set;

/**
 * Who may connect and how much, as configured ({@code push.edge.auth.*}, {@code push.edge.allowed.origins},
 * {@code push.edge.max.*}).
 *
 * @param jwtSecret                   HS256 key; null: authentication off (everything open, the demo's default).
 * @param tokenCookie                 name of the cookie that may carry the token.
 * @param firstMessageAuthentication  a WebSocket may connect with no token and no topics and send Authenticate.
 * @param authenticationTimeoutMs     how long such a WebSocket has to authenticate.
 * @param allowedOrigins              browser origins allowed ({@code *}: any).
 * @param maxConnections              connections and held polls on this edge.
 * @param maxConnectionsPerAddress    from one client address.
 * @param maxConnectionsPerSubject    for one token subject.
 * @param maxTopicsPerConnection      subscriptions one connection may hold.
 * @param maxControlMessagesPerSecond WebSocket control messages per second per connection.
 */
public record AdmissionSettings(
    byte[] jwtSecret,
    String tokenCookie,
    boolean firstMessageAuthentication,
    long authenticationTimeoutMs,
    Set<String> allowedOrigins,
    int maxConnections,
    int maxConnectionsPerAddress,
    int maxConnectionsPerSubject,
    int maxTopicsPerConnection,
    int maxControlMessagesPerSecond)
{
}
