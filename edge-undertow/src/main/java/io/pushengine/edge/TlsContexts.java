package io.pushengine.edge;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

/**
 * The edge's TLS server context, from a PKCS12 key store (its private key and certificate chain).
 */
final class TlsContexts
{
    private TlsContexts()
    {
    }

    static SSLContext fromKeyStore(final String path, final String password)
    {
        final char[] secret = null == password ? new char[0] : password.toCharArray();
        try (InputStream in = Files.newInputStream(Path.of(path)))
        {
            final KeyStore keyStore = KeyStore.getInstance("PKCS12");
            keyStore.load(in, secret);
            final KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keyStore, secret);
            final SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), null, null);
            return context;
        }
        catch (final Exception ex)
        {
            throw new IllegalArgumentException("cannot load the TLS key store " + path + " (" +
                EdgeConfiguration.TLS_KEY_STORE_PROP_NAME + "): " + ex.getMessage(), ex);
        }
    }
}
