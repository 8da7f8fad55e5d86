package com.acme.modern;

import com.google.common.base.MoreObjects;
import com.google.common.base.Splitter;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMultiset;
import com.google.common.collect.Multisets;
import java.util.List;
import java.util.Locale;

/**
 * A report helper written against Guava 33. It uses {@code Splitter.splitToStream} and Guava's
 * stream collectors, which Guava 19 lacks.
 */
public final class ModernReport {
    private ModernReport() {
    }

    /** {@code name{count=3}}, the Guava 21+ way. */
    public static String describe(String name, int count) {
        return MoreObjects.toStringHelper(name).add("count", count).toString();
    }

    /** The {@code limit} most frequent words of {@code text}, most frequent first. */
    public static List<String> topWords(String text, int limit) {
        ImmutableMultiset<String> words = Splitter.on(' ').omitEmptyStrings()
                .splitToStream(text.toLowerCase(Locale.ROOT))
                .collect(ImmutableMultiset.toImmutableMultiset());
        return Multisets.copyHighestCountFirst(words).elementSet().stream()
                .limit(limit)
                .collect(ImmutableList.toImmutableList());
    }

    /** Where this class's Guava was loaded from (its jar's path). */
    public static String guavaJar() {
        return MoreObjects.class.getProtectionDomain().getCodeSource().getLocation().getPath();
    }
}
