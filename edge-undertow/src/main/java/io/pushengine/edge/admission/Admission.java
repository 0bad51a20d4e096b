package io.pushengine.edge.admission;

import io.pushengine.auth.AccessGrant;
import io.pushengine.auth.TokenRejectedException;
import io.pushengine.auth.TokenVerifier;
import io.pushengine.edge.EdgeCounters;
import io.pushengine.edge.http.HttpResponses;
import io.pushengine.edge.http.PublishHandler;
import io.pushengine.edge.http.TopicsParameter;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.ServerConnection;
import io.undertow.server.handlers.Cookie;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import org.agrona.concurrent.EpochClock;

import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The edge's door: every client request passes here before its endpoint, in this order.
 * <ol>
 *     <li><b>Origin</b>: a browser request whose {@code Origin} is not on the allow-list is refused 403 (WebSocket
 *     and SSE included, before any upgrade); an allowed one gets CORS headers (with credentials only for an origin
 *     listed by name, not for {@code *}), and {@code OPTIONS} preflights are answered here.</li>
 *     <li><b>Token</b> (when authentication is on): a JWT from {@code Authorization: Bearer}, the
 *     {@code access_token} query parameter, or the token cookie; missing, invalid or expired: 401 with a reason.
 *     A WebSocket handshake with no token and no topics may instead authenticate with its first message.</li>
 *     <li><b>Grant</b>: every topic asked for must be granted ({@code sub_topics}; {@code pub_topics} for
 *     {@code /publish}), else 403 naming the first one that is not; {@code /ops} needs the {@code push:ops} scope
 *     (and answers its own origin only).</li>
 *     <li><b>Limits</b> (connections and polls): the edge's maximum (503), per client address and per subject
 *     (429).</li>
 * </ol>
 * What passed is attached to the exchange: the {@link AccessGrant} (null for a WebSocket that will authenticate
 * by message) and the {@link ConnectionLimiter.Permit}, given back when the exchange completes or, for a WebSocket,
 * when the connection closes. Every refusal is counted. Tokens are never logged.
 */
public final class Admission
{
    public static final AttachmentKey<AccessGrant> GRANT = AttachmentKey.create(AccessGrant.class);
    private static final AttachmentKey<String> CLIENT_ADDRESS = AttachmentKey.create(String.class);
    public static final AttachmentKey<ConnectionLimiter.Permit> PERMIT =
        AttachmentKey.create(ConnectionLimiter.Permit.class);
    public static final String ACCESS_TOKEN_PARAMETER = "access_token";
    private static final HttpString ALLOW_ORIGIN = new HttpString("Access-Control-Allow-Origin");
    private static final HttpString ALLOW_CREDENTIALS = new HttpString("Access-Control-Allow-Credentials");
    private static final HttpString ALLOW_METHODS = new HttpString("Access-Control-Allow-Methods");
    private static final HttpString ALLOW_HEADERS = new HttpString("Access-Control-Allow-Headers");
    private static final HttpString MAX_AGE = new HttpString("Access-Control-Max-Age");
    private static final HttpString VARY = new HttpString("Vary");

    /**
     * What an endpoint is, for the checks that apply to it.
     */
    public enum Kind
    {
        /** WebSocket or SSE: a long-lived connection reading topics. */
        STREAM,
        /** Long-poll and short-poll: a request reading topics, held for a while. */
        POLL,
        /** HTTP publish: writes one topic. */
        PUBLISH,
        /** Reads the catalog. */
        READ,
        /** The ops page and its data: same origin only, and the {@code push:ops} scope when authentication is on. */
        OPERATE
    }

    private final AdmissionSettings settings;
    private final TokenVerifier verifier;
    private final ConnectionLimiter limiter;
    private final EdgeCounters counters;
    private final LongSupplier openConnections;
    private final EpochClock clock;

    public Admission(
        final AdmissionSettings settings,
        final EdgeCounters counters,
        final LongSupplier openConnections,
        final EpochClock clock)
    {
        this.settings = settings;
        this.verifier = null == settings.jwtSecret() ? null : new TokenVerifier(settings.jwtSecret());
        this.limiter = new ConnectionLimiter(settings.maxConnectionsPerAddress(), settings.maxConnectionsPerSubject());
        this.counters = counters;
        this.openConnections = openConnections;
        this.clock = clock;
    }

    public AdmissionSettings settings()
    {
        return settings;
    }

    public boolean isAuthenticationOn()
    {
        return null != verifier;
    }

    public ConnectionLimiter limiter()
    {
        return limiter;
    }

    /**
     * Check a token given after the handshake (WebSocket {@code Authenticate}).
     */
    public AccessGrant verify(final String token) throws TokenRejectedException
    {
        if (null == verifier)
        {
            return AccessGrant.OPEN;
        }
        try
        {
            return verifier.verify(token, clock.time());
        }
        catch (final TokenRejectedException ex)
        {
            counters.authFailures().increment();
            throw ex;
        }
    }

    public HttpHandler guard(final Kind kind, final HttpHandler endpoint)
    {
        return exchange -> admit(kind, endpoint, exchange);
    }

    private void admit(final Kind kind, final HttpHandler endpoint, final HttpServerExchange exchange) throws Exception
    {
        final String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        if (null != origin && Kind.OPERATE == kind)
        {
            if (!origin.equals(exchange.getRequestScheme() + "://" + exchange.getHostAndPort()))
            {
                counters.originRejections().increment();
                HttpResponses.reject(exchange, 403, "origin " + origin + " is not allowed: the ops page answers " +
                    "its own origin only", counters);
                return;
            }
        }
        else if (null != origin)
        {
            if (!isOriginAllowed(origin))
            {
                counters.originRejections().increment();
                HttpResponses.reject(exchange, 403, "origin " + origin + " is not allowed (push.edge.allowed.origins)",
                    counters);
                return;
            }
            final var headers = exchange.getResponseHeaders();
            if (settings.allowedOrigins().contains(origin))
            {
                headers.put(ALLOW_ORIGIN, origin).put(ALLOW_CREDENTIALS, "true").add(VARY, "Origin");
            }
            else
            {
                // allowed only by "*": readable cross-origin, but never with the browser's cookies (a listed
                // origin is needed for that), or any site could read what a user's token cookie grants
                headers.put(ALLOW_ORIGIN, "*");
            }
            if (Methods.OPTIONS.equals(exchange.getRequestMethod()))
            {
                headers.put(ALLOW_METHODS, "GET, POST, OPTIONS")
                    .put(ALLOW_HEADERS, "Authorization, Content-Type, Last-Event-ID")
                    .put(MAX_AGE, "600");
                exchange.setStatusCode(204);
                exchange.endExchange();
                return;
            }
        }

        final List<String> topics = Kind.STREAM == kind || Kind.POLL == kind ?
            TopicsParameter.parse(exchange) : List.of();
        if (topics.size() > settings.maxTopicsPerConnection())
        {
            counters.limitRejections().increment();
            HttpResponses.reject(exchange, 400, "at most " + settings.maxTopicsPerConnection() +
                " topics per connection (push.edge.max.topics.per.connection): asked for " + topics.size(), counters);
            return;
        }
        AccessGrant grant = AccessGrant.OPEN;
        if (null != verifier)
        {
            final String token = token(exchange);
            if (null == token)
            {
                if (Kind.STREAM == kind && settings.firstMessageAuthentication() && topics.isEmpty() &&
                    isWebSocketUpgrade(exchange))
                {
                    grant = null; // authenticates with its first message
                }
                else
                {
                    unauthorized(exchange, "authentication required: a token in 'Authorization: Bearer', the '" +
                        ACCESS_TOKEN_PARAMETER + "' parameter or the '" + settings.tokenCookie() + "' cookie" +
                        (Kind.STREAM == kind && settings.firstMessageAuthentication() ?
                        " (or a WebSocket with no topics, then an Authenticate message)" : ""));
                    return;
                }
            }
            else
            {
                try
                {
                    grant = verifier.verify(token, clock.time());
                }
                catch (final TokenRejectedException ex)
                {
                    unauthorized(exchange, ex.getMessage());
                    return;
                }
            }
        }

        if (Kind.OPERATE == kind && !grant.hasScope(AccessGrant.OPS_SCOPE))
        {
            counters.forbidden().increment();
            HttpResponses.reject(exchange, 403, "scope " + AccessGrant.OPS_SCOPE + " is not granted to " +
                grant.subject() + " (the token's scope claim)", counters);
            return;
        }
        if (null != grant)
        {
            final String refused = Kind.PUBLISH == kind ? refusedPublish(grant, exchange) :
                grant.firstNotSubscribable(topics);
            if (null != refused)
            {
                counters.forbidden().increment();
                HttpResponses.reject(exchange, 403, "topic '" + refused + "' is not granted to " + grant.subject(),
                    counters);
                return;
            }
        }

        if (Kind.STREAM == kind || Kind.POLL == kind)
        {
            if (openConnections.getAsLong() >= settings.maxConnections())
            {
                counters.limitRejections().increment();
                HttpResponses.reject(exchange, 503, "edge at its connection limit (" + settings.maxConnections() +
                    "): try another edge or later", counters);
                return;
            }
            final String address = clientAddress(exchange);
            final String subject = null == grant || AccessGrant.OPEN == grant ? null : grant.subject();
            final ConnectionLimiter.Permit permit = limiter.tryAcquire(address, subject);
            if (null == permit)
            {
                counters.limitRejections().increment();
                HttpResponses.reject(exchange, 429, limiter.connectionsOf(address) >= limiter.maxPerAddress() ?
                    "too many connections from " + address + " (" + limiter.maxPerAddress() + ")" :
                    "too many connections for " + subject + " (" + limiter.maxPerSubject() + ")", counters);
                return;
            }
            exchange.putAttachment(PERMIT, permit);
            exchange.addExchangeCompleteListener(permit); // a WebSocket gives it back when the connection closes
        }
        exchange.putAttachment(GRANT, grant);
        endpoint.handleRequest(exchange);
    }

    /**
     * The client's address as the limits count it, rendered once per connection (a poll is a request on a kept-alive
     * connection; nothing in the edge rewrites a request's source address).
     */
    private static String clientAddress(final HttpServerExchange exchange)
    {
        final ServerConnection connection = exchange.getConnection();
        String address = connection.getAttachment(CLIENT_ADDRESS);
        if (null == address)
        {
            address = exchange.getSourceAddress().getAddress().getHostAddress();
            connection.putAttachment(CLIENT_ADDRESS, address);
        }
        return address;
    }

    private boolean isOriginAllowed(final String origin)
    {
        final Set<String> allowed = settings.allowedOrigins();
        return allowed.contains("*") || allowed.contains(origin);
    }

    private String refusedPublish(final AccessGrant grant, final HttpServerExchange exchange)
    {
        if (AccessGrant.OPEN == grant)
        {
            return null; // authentication off: every topic, no need to read it here
        }
        final String topic = PublishHandler.topicOf(exchange); // taken once: the handler reads it back
        return topic.isEmpty() || grant.mayPublish(topic) ? null : topic;
    }

    private String token(final HttpServerExchange exchange)
    {
        final String authorization = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (null != authorization && authorization.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            return authorization.substring(7).trim();
        }
        final Deque<String> parameter = exchange.getQueryParameters().get(ACCESS_TOKEN_PARAMETER);
        if (null != parameter && !parameter.isEmpty() && !parameter.getFirst().isEmpty())
        {
            return parameter.getFirst();
        }
        final Cookie cookie = exchange.getRequestCookie(settings.tokenCookie());
        return null == cookie || cookie.getValue().isEmpty() ? null : cookie.getValue();
    }

    private void unauthorized(final HttpServerExchange exchange, final String reason)
    {
        counters.authFailures().increment();
        exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
        HttpResponses.reject(exchange, 401, reason, counters);
    }

    private static boolean isWebSocketUpgrade(final HttpServerExchange exchange)
    {
        final String upgrade = exchange.getRequestHeaders().getFirst(Headers.UPGRADE);
        return null != upgrade && "websocket".equalsIgnoreCase(upgrade);
    }
}
