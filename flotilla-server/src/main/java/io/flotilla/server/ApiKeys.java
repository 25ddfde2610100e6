package io.flotilla.server;

import io.flotilla.engine.Request;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * API keys and the tenants they belong to. The key file has one key per line:
 * {@code KEY TENANT [WEIGHT [RPM [TPM]]]} separated by spaces or tabs; blank lines and lines
 * starting with {@code #} are skipped; a missing number means weight 1 and no quota (0 =
 * unlimited). Several keys may name the same tenant; they must then agree on its numbers.
 * {@link #open()} (no file) lets every request in as the default tenant.
 */
public final class ApiKeys {
    private final Map<String, TenantPolicy> byKey;
    private final Map<String, TenantPolicy> byTenant;

    private ApiKeys(Map<String, TenantPolicy> byKey, Map<String, TenantPolicy> byTenant) {
        this.byKey = Map.copyOf(byKey);
        this.byTenant = byTenant;
    }

    /** No keys: the server is open and every request is the default tenant's. */
    public static ApiKeys open() {
        Map<String, TenantPolicy> tenants = new LinkedHashMap<>();
        tenants.put(Request.DEFAULT_TENANT, TenantPolicy.unlimited(Request.DEFAULT_TENANT));
        return new ApiKeys(Map.of(), tenants);
    }

    /** Reads a key file; errors name the file and line. */
    public static ApiKeys load(Path file) throws IOException {
        return parse(Files.readAllLines(file, StandardCharsets.UTF_8), file.toString());
    }

    /** Parses key file lines; {@code source} names them in errors. */
    public static ApiKeys parse(List<String> lines, String source) {
        Map<String, TenantPolicy> byKey = new LinkedHashMap<>();
        Map<String, TenantPolicy> byTenant = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + " line " + (i + 1);
            String[] f = line.split("\\s+");
            if (f.length < 2 || f.length > 5) {
                throw new IllegalArgumentException(where + ": expected KEY TENANT [WEIGHT [RPM [TPM]]], got "
                        + f.length + " fields");
            }
            TenantPolicy policy;
            try {
                policy = new TenantPolicy(f[1], f.length > 2 ? Double.parseDouble(f[2]) : 1,
                        f.length > 3 ? Integer.parseInt(f[3]) : 0, f.length > 4 ? Long.parseLong(f[4]) : 0);
            } catch (IllegalArgumentException e) { // NumberFormatException too
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            if (byKey.putIfAbsent(f[0], policy) != null) {
                throw new IllegalArgumentException(where + ": key already listed for tenant " + byKey.get(f[0]).tenantId());
            }
            TenantPolicy known = byTenant.putIfAbsent(policy.tenantId(), policy);
            if (known != null && !known.equals(policy)) {
                throw new IllegalArgumentException(where + ": tenant " + policy.tenantId() + " listed with " + policy
                        + " but earlier with " + known);
            }
        }
        if (byKey.isEmpty()) {
            throw new IllegalArgumentException(source + ": no keys (an open server needs no --api-keys)");
        }
        return new ApiKeys(byKey, byTenant);
    }

    /** True when requests need no key. */
    public boolean isOpen() {
        return byKey.isEmpty();
    }

    /**
     * The tenant of an {@code Authorization} header value ({@code Bearer KEY}); empty when the
     * header is missing or the key unknown. An open server gives the default tenant.
     */
    public Optional<TenantPolicy> authenticate(String authorization) {
        if (isOpen()) {
            return Optional.of(byTenant.get(Request.DEFAULT_TENANT));
        }
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        return Optional.ofNullable(byKey.get(authorization.substring(7).strip()));
    }

    /** Every tenant, in file order. */
    public Collection<TenantPolicy> tenants() {
        return byTenant.values();
    }
}
