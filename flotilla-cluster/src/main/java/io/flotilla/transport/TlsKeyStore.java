package io.flotilla.transport;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Collections;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for data connections from a PKCS#12 key store: the node's key and certificate, and as trust
 * every certificate the store holds (a cluster shares one store, or stores that hold each other's
 * certificates). Stores are protected by a password; {@link #generate} makes a self-signed one with
 * the JDK's keytool.
 */
public final class TlsKeyStore {
    /** Environment variable with the key store password (default: the cluster token's text). */
    public static final String PASSWORD_ENV = "FLOTILLA_TLS_PASSWORD";

    private TlsKeyStore() {
    }

    /** The password of a node's store: {@link #PASSWORD_ENV} when set, else the cluster token's text. */
    public static char[] password(ClusterToken token) {
        String env = System.getenv(PASSWORD_ENV);
        return (env != null ? env : token.encoded()).toCharArray();
    }

    /** A TLS 1.3 context that presents the store's key and trusts the store's certificates. */
    public static SSLContext context(Path store, char[] password) throws IOException {
        try {
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, password);
            }
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (String alias : Collections.list(keys.aliases())) {
                if (keys.getCertificate(alias) != null) {
                    trust.setCertificateEntry(alias, keys.getCertificate(alias));
                }
            }
            if (trust.size() == 0) {
                throw new IOException("TLS key store " + store + " holds no certificate");
            }
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keyManagers.init(keys, password);
            TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(
                    TrustManagerFactory.getDefaultAlgorithm());
            trustManagers.init(trust);
            SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("TLS key store " + store + " cannot be used (PKCS#12 with a key and its "
                    + "certificate, and the right password, expected): " + e.getMessage(), e);
        }
    }

    /**
     * Writes a self-signed EC key and certificate for {@code hosts} (IP addresses or DNS names),
     * valid {@code days}, to {@code store}.
     */
    public static void generate(Path store, char[] password, java.util.List<String> hosts, int days)
            throws IOException, InterruptedException {
        String san = String.join(",", hosts.stream()
                .map(h -> (h.chars().allMatch(c -> Character.isDigit(c) || c == '.' || c == ':') ? "ip:" : "dns:") + h)
                .toList());
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        ProcessBuilder builder = new ProcessBuilder(keytool, "-genkeypair", "-alias", "flotilla", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=flotilla", "-ext", "SAN=" + san, "-validity",
                String.valueOf(days), "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass:env",
                PASSWORD_ENV, "-keypass:env", PASSWORD_ENV).redirectErrorStream(true);
        builder.environment().put(PASSWORD_ENV, new String(password));
        Process process = builder.start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool could not write " + store + ": " + output);
        }
    }
}
