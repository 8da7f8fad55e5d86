package com.acme.heavy;

import java.io.IOException;

/** Targets that throw, for error fidelity. */
public class Failing {
    public void fail(String message) {
        throw new IllegalStateException(message);
    }

    public void failWithCause() throws IOException {
        try {
            throw new HeavyException("inner problem");
        } catch (HeavyException inner) {
            IOException outer = new IOException("outer problem", inner);
            outer.addSuppressed(new IllegalArgumentException("suppressed problem"));
            throw outer;
        }
    }

    /** Throws an exception whose message (and so its stack trace) cannot be read. */
    public void failUnprintably() {
        throw new Unprintable();
    }

    /** An exception whose every description throws. */
    public static final class Unprintable extends RuntimeException {
        @Override
        public String getMessage() {
            throw new IllegalStateException("no message for you");
        }
    }

    public int recurse(int n) {
        return recurse(n + 1) + 1;
    }

    public String ok() {
        return "still alive";
    }

    /** A protected record returned by value: the host must refuse it. */
    public Secret secret() {
        return new Secret("classified");
    }

    public Mode mode() {
        return Mode.FAST;
    }
}
