package com.acme.legacy;

import com.google.common.base.Objects;

/**
 * A report helper written against Guava 19. It uses {@code Objects.toStringHelper}, which Guava 21
 * removed: with a newer Guava on the classpath it fails with {@code NoSuchMethodError}.
 */
public final class LegacyReport {
    private LegacyReport() {
    }

    /** {@code name{count=3}}, the Guava 19 way. */
    public static String describe(String name, int count) {
        return Objects.toStringHelper(name).add("count", count).toString();
    }

    /** Where this class's Guava was loaded from (its jar's path). */
    public static String guavaJar() {
        return Objects.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    }
}
